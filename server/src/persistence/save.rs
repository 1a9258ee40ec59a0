//! SAVE: the whole keyspace written to dump.rdb while every client waits, as Redis's
//! `rdbSave`. Also what SHUTDOWN, FLUSHALL (with save points) and DEBUG RELOAD use.

use scarlet_storage::rdb::{WriteOptions, write_rdb_with_functions};

use super::file::{TempFile, WriteError};
use crate::log::{self, Level};
use crate::reconfigure::os_error_text;
use crate::server::Server;

impl Server {
    /// The writer's options for a file made now.
    pub fn rdb_write_options(&self) -> WriteOptions {
        WriteOptions {
            ctime: crate::clock::unix_ms() / 1000,
            used_mem: i64::try_from(crate::memory::used_memory()).unwrap_or(0),
            aof_base: false,
            compress: self.config.rdbcompression,
            checksum: self.config.rdbchecksum,
            repl: self.replication_aux(),
        }
    }

    /// Every function library's source, as dumps carry them.
    pub fn library_sources(&self) -> Vec<&[u8]> {
        self.scripting
            .libraries
            .libraries
            .values()
            .map(|library| library.code.as_slice())
            .collect()
    }

    /// Writes dump.rdb now. On success the change counter restarts and LASTSAVE moves, as
    /// Redis's rdbSave; failures are logged with Redis's wording and returned.
    pub fn save_rdb(&mut self) -> Result<(), WriteError> {
        let image = write_rdb_with_functions(
            &self.dbs,
            &self.library_sources(),
            &self.rdb_write_options(),
        );
        let path = self.rdb_path();
        let temp_name = format!("temp-{}.rdb", std::process::id());
        let written = TempFile::create(&path, &temp_name).and_then(|mut file| {
            file.write(&image)?;
            file.commit()
        });
        match written {
            Ok(()) => {
                log::log(Level::Notice, "DB saved on disk");
                self.dirty = 0;
                self.persistence.lastsave = crate::clock::unix_ms() / 1000;
                self.persistence.last_save_ok = true;
                Ok(())
            }
            Err(e) => {
                self.log_save_error(&temp_name, &e);
                Err(e)
            }
        }
    }

    /// Redis's log line for a failed save.
    pub(super) fn log_save_error(&self, temp_name: &str, e: &WriteError) {
        let dir = self.config.dir.display();
        let text = match e.step {
            "open" => format!(
                "Failed opening the temp RDB file {temp_name} (in server root dir {dir}) for saving: {}",
                os_error_text(&e.error)
            ),
            "rename" => format!(
                "Error moving temp DB file {temp_name} on the final destination {} (in server root dir {dir}): {}",
                self.config.dbfilename,
                os_error_text(&e.error)
            ),
            step => format!(
                "Write error saving DB on disk({step}): {}",
                os_error_text(&e.error)
            ),
        };
        log::log(Level::Warning, &text);
    }
}

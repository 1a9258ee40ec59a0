//! `--stat`: one line of server statistics (keys, memory, clients, requests, connections,
//! children) per interval, from INFO, with a header every 20 lines.

use std::time::Duration;

use scarlet_protocol::Frame;

use crate::session::{Session, emit};

/// The value of `field:` in INFO text, up to the end of line or a comma.
pub fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    let at = info.find(field)?;
    let rest = info.get(at + field.len() + 1..)?;
    let end = rest.find(['\r', ',']).unwrap_or(rest.len());
    rest.get(..end)
}

/// [`info_field`] as a number (`strtol`); None when missing.
pub fn info_long(info: &str, field: &str) -> Option<i64> {
    info_field(info, field).map(|v| crate::options::c_atoi(v.as_bytes()))
}

/// `100B`, `2.00K`, `1.50M`, `3.00G` as redis-cli prints byte counts.
pub fn bytes_to_human(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    let n = n.unsigned_abs();
    let d = n as f64;
    if n < 1024 {
        format!("{sign}{n}B")
    } else if n < 1024 * 1024 {
        format!("{sign}{:.2}K", d / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{sign}{:.2}M", d / (1024.0 * 1024.0))
    } else {
        format!("{sign}{:.2}G", d / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Fetches INFO (reconnecting if needed), exiting on an error reply.
pub fn fetch_info(session: &mut Session) -> String {
    match session.reconnecting_command(&["INFO"]) {
        Frame::Error(text) => {
            eprintln!("ERROR: {}", String::from_utf8_lossy(&text));
            std::process::exit(1);
        }
        frame => String::from_utf8_lossy(frame.as_bytes().unwrap_or_default()).into_owned(),
    }
}

/// Runs the mode (until interrupted).
pub fn stat(session: &mut Session) -> ! {
    let interval = match session.config.interval_us {
        0 => 1_000_000,
        us => us,
    };
    let mut previous_requests = 0;
    let mut lines = 0u64;
    loop {
        let info = fetch_info(session);
        let mut line = String::new();
        if lines.is_multiple_of(20) {
            line.push_str(
                "------- data ------ --------------------- load -------------------- - child -\n",
            );
            line.push_str(
                "keys       mem      clients blocked requests            connections          \n",
            );
        }
        lines += 1;
        let keys: i64 = (0..20)
            .filter_map(|db| info_long(&info, &format!("db{db}:keys")))
            .sum();
        let get = |field: &str| info_long(&info, field).unwrap_or(i64::MIN);
        line.push_str(&format!("{:<11}", keys));
        line.push_str(&format!("{:<8}", bytes_to_human(get("used_memory"))));
        line.push_str(&format!(" {:<8}", get("connected_clients")));
        line.push_str(&format!("{:<8}", get("blocked_clients")));
        let requests = get("total_commands_processed");
        let delta = if previous_requests == 0 {
            0
        } else {
            requests - previous_requests
        };
        line.push_str(&format!("{:<19}", format!("{requests} (+{delta})")));
        previous_requests = requests;
        line.push_str(&format!(" {:<12}", get("total_connections_received")));
        let children = (get("bgsave_in_progress") & 1)
            | ((get("aof_rewrite_in_progress") & 1) << 1)
            | ((get("loading") & 1) << 2);
        line.push_str(match children {
            1 => "SAVE",
            2 => "AOF",
            3 => "SAVE+AOF",
            4 => "LOAD",
            _ => "",
        });
        line.push('\n');
        emit(line.as_bytes());
        std::thread::sleep(Duration::from_micros(interval));
    }
}

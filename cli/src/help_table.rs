//! The built-in help table, used when the server does not answer COMMAND DOCS: each Redis
//! 7.0 command's name, group, first version and argument syntax (no summaries), from
//! `help_table.txt` (regenerated with `cli/tools/gen-help-table.py`).

use crate::help::Entry;

const TABLE: &str = include_str!("help_table.txt");

/// The table's entries, commands only (the caller adds groups).
pub fn builtin() -> Vec<Entry> {
    TABLE
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(4, '\t');
            let full = fields.next()?.to_string();
            let group = fields.next()?.to_string();
            let since = fields.next()?.to_string();
            let params = fields.next().unwrap_or_default().to_string();
            Some(Entry {
                words: full.split(' ').map(str::to_string).collect(),
                full,
                is_group: false,
                params,
                summary: String::new(),
                since: Some(since),
                group,
            })
        })
        .collect()
}

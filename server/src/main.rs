//! The `scarlet-server` binary: a thin shell over [`scarlet_server::run`], or over
//! [`scarlet_server::check_rdb`] or [`scarlet_server::check_aof`] when invoked as
//! `redis-check-rdb` or `redis-check-aof` (by program name, as Redis's binary is) or with
//! `--check-rdb` or `--check-aof`.

fn main() {
    scarlet_server::crash::install_panic_report();
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = args.next().unwrap_or_else(|| "scarlet-server".to_string());
    let rest: Vec<String> = args.collect();
    let name = std::path::Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains("redis-check-rdb") {
        std::process::exit(scarlet_server::check_rdb::main(&program, &rest));
    }
    if name.contains("redis-check-aof") {
        std::process::exit(scarlet_server::check_aof::main(&program, &rest));
    }
    if let Some(("--check-aof", args)) = rest.split_first().map(|(a, r)| (a.as_str(), r)) {
        std::process::exit(scarlet_server::check_aof::main(&program, args));
    }
    if let Some(("--check-rdb", file)) = rest.split_first().map(|(a, r)| (a.as_str(), r)) {
        std::process::exit(scarlet_server::check_rdb::main(&program, file));
    }
    std::process::exit(scarlet_server::run(&program, &rest));
}

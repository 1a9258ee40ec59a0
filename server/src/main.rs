//! The `scarlet-server` binary: a thin shell over [`scarlet_server::run`].

fn main() {
    scarlet_server::crash::install_panic_report();
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = args.next().unwrap_or_else(|| "scarlet-server".to_string());
    let rest: Vec<String> = args.collect();
    std::process::exit(scarlet_server::run(&program, &rest));
}

mod cli;
mod commands;

fn main() -> std::process::ExitCode {
    commands::main()
}

//! The small supervising process every agent runs under (see `git_agents::runner::supervise`).
//! A binary of its own so that starting it costs little: it links none of git-agents' git code.
//! It takes the same arguments as `git-agents __supervise`, subcommand name included.

fn main() -> std::process::ExitCode {
    // A Slurm job script names this binary as its interpreter (`__slurm-job SCRIPT`).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == git_agents::backend::slurm::SUBCOMMAND)
    {
        let args: Vec<_> = std::env::args_os().skip(2).collect();
        return std::process::ExitCode::from(git_agents::backend::slurm::job_main(&args) as u8);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os()
        .skip(1)
        .skip_while(|a| a == git_agents::runner::supervise::SUBCOMMAND)
        .collect();
    std::process::ExitCode::from(git_agents::runner::supervise::main(&args) as u8)
}

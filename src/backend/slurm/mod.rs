//! The Slurm backend: each attempt is one batch job, submitted with `sbatch` (argv, and a
//! generated job script that no shell reads), followed with `scontrol` until it ends, its log
//! tailed into the live view. The job runs the attempt with the local runner on the compute
//! node, so the log, confinement and limits are the local backend's; the work is committed
//! here by the usual path once the job has ended. Worktrees, logs and the repository must be
//! on storage the compute nodes share.

pub mod job;
mod scontrol;
pub mod script;
mod tail;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use super::Attempt;
use crate::config::SlurmSettings;
use crate::runner::{Exit, Job, LineSink, Live, Outcome, Runner};
use crate::state::SchedulerJob;

pub use job::main as job_main;
pub use script::SUBCOMMAND;

/// Run one attempt as a Slurm job, or follow the one an earlier git-agents left running.
pub(crate) fn run(
    settings: &SlurmSettings,
    runner: &Runner,
    job: &Job,
    live: &Live,
    sink: &dyn LineSink,
    attempt: &Attempt<'_>,
) -> Result<Outcome> {
    std::fs::create_dir_all(&attempt.dir)
        .with_context(|| format!("creating {}", attempt.dir.display()))?;
    let mut tail = tail::Tail::at_end(&job.log, job.header.as_deref());
    let submitted = match left_running(attempt)? {
        Some(job) => job,
        None => submit(settings, runner, job, attempt)?,
    };
    record(attempt, &submitted)?;
    follow(runner, submitted, live, sink, attempt, &mut tail)
}

/// The job an earlier git-agents submitted for this task and did not see end: still queued or
/// running, or ended unseen with its result written. Only the run's first attempt looks.
fn left_running(attempt: &Attempt<'_>) -> Result<Option<SchedulerJob>> {
    if attempt.attempt > 1 {
        return Ok(None);
    }
    let state = attempt.store.load()?;
    let Some(job) = state.tasks.get(attempt.task).and_then(|r| r.slurm.clone()) else {
        return Ok(None);
    };
    if !job.active() {
        return Ok(None);
    }
    Ok(match scontrol::show(&job.id)? {
        Some(info) if !info.ended() => Some(job),
        // Ended unseen, even if Slurm has forgotten it since: its result tells.
        _ if job.result.is_file() => Some(job),
        _ => None,
    })
}

/// `job` with the state Slurm gives it now, when the record says it has not ended; as
/// recorded when Slurm cannot be asked.
pub fn now(job: &SchedulerJob) -> SchedulerJob {
    let mut job = job.clone();
    if job.active() {
        match scontrol::show(&job.id) {
            Ok(Some(info)) => job.state = info.state,
            Ok(None) => job.state = "GONE".into(),
            Err(_) => {}
        }
    }
    job
}

/// Slurm's clients are on PATH, and git-agents' binary can be a job script's interpreter.
pub(crate) fn check() -> Result<()> {
    use crate::error::{Error, Fix};
    for program in ["sbatch", "scontrol", "scancel"] {
        if which::which(program).is_err() {
            let why = format!("the slurm backend needs Slurm's {program}, which is not on PATH");
            return Err(Error::usage(why)
                .with_fix(Fix::Text(
                    "install Slurm's client commands (Debian: slurm-client), or run with --backend local".into(),
                ))
                .into());
        }
    }
    if let Err(err) = script::interpreter_line(&interpreter()?) {
        return Err(Error::usage(format!("{err}"))
            .with_fix(Fix::Text("or run with --backend local".into()))
            .into());
    }
    Ok(())
}

/// Write the job script and `sbatch` it.
fn submit(
    settings: &SlurmSettings,
    runner: &Runner,
    job: &Job,
    attempt: &Attempt<'_>,
) -> Result<SchedulerJob> {
    let stem = format!(
        "{}-run{}-attempt{}",
        attempt.slug, attempt.run, attempt.attempt
    );
    let result = attempt.dir.join(format!("{stem}.result.json"));
    let _ = std::fs::remove_file(&result);
    let spec = script::Spec::of(job, runner.grace(), result.clone());
    let script = attempt.dir.join(format!("{stem}.job"));
    let text = script::text(&interpreter()?, attempt.task, &spec)?;
    crate::state::write_atomically(&script, text.as_bytes())?;
    let argv = sbatch_args(
        settings,
        job,
        attempt,
        &attempt.dir.join(format!("{stem}.out")),
    );
    let out = Command::new("sbatch")
        .args(&argv)
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .context("running sbatch (is Slurm's client installed and on PATH?)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("sbatch refused the job: {}", crate::text::one_line(&err));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout.trim().split(';').next().unwrap_or("").to_owned();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit() || c == '_') {
        bail!("sbatch gave no job id: {}", crate::text::one_line(&stdout));
    }
    Ok(SchedulerJob {
        id,
        state: "PENDING".into(),
        run: attempt.run,
        attempt: attempt.attempt,
        result,
        after: attempt.after.clone(),
    })
}

/// `sbatch`'s arguments before the script: what the task asks for, then `agents.slurm.args`.
fn sbatch_args(
    settings: &SlurmSettings,
    job: &Job,
    attempt: &Attempt<'_>,
    output: &Path,
) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "--parsable".into(),
        format!("--job-name=git-agents/{}", attempt.task).into(),
        "--chdir".into(),
        job.cwd.clone().into(),
        "--output".into(),
        output.into(),
        "--open-mode=append".into(),
    ];
    let time = settings.time.as_ref().map(|t| t.value.clone()).or_else(|| {
        job.timeout
            .map(|t| t.as_secs().div_ceil(60).max(1).to_string())
    });
    let mut put = |flag: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(format!("--{flag}={value}").into());
        }
    };
    put("time", time);
    put(
        "partition",
        settings.partition.as_ref().map(|p| p.value.clone()),
    );
    put(
        "cpus-per-task",
        settings.cpus.as_ref().map(|c| c.value.to_string()),
    );
    put("mem", settings.mem.as_ref().map(|m| m.value.clone()));
    if !attempt.after.is_empty() {
        put(
            "dependency",
            Some(format!("afterok:{}", attempt.after.join(":"))),
        );
        put("kill-on-invalid-dep", Some("yes".into()));
    }
    args.extend(settings.args.iter().map(Into::into));
    args
}

/// The binary job scripts name as their interpreter: the supervisor's, absolute.
fn interpreter() -> Result<PathBuf> {
    let found = Runner::find_supervisor()
        .context("git-agents' own binary cannot be found to run as the job script's interpreter")?;
    std::fs::canonicalize(&found).with_context(|| format!("resolving {}", found.display()))
}

fn record(attempt: &Attempt<'_>, job: &SchedulerJob) -> Result<()> {
    let job = job.clone();
    attempt
        .store
        .update_existing(attempt.task, move |r| r.slurm = Some(job))?;
    Ok(())
}

/// Follow the job until it ends; cancel it when the run is interrupted.
fn follow(
    runner: &Runner,
    mut submitted: SchedulerJob,
    live: &Live,
    sink: &dyn LineSink,
    attempt: &Attempt<'_>,
    tail: &mut tail::Tail,
) -> Result<Outcome> {
    let started = Instant::now();
    let (mut cancelled, mut cancel_failures) = (false, 0);
    let info = loop {
        let info = scontrol::show(&submitted.id)?;
        tail.pump(live, sink);
        if let Some(info) = &info {
            if info.state != submitted.state {
                submitted.state = info.state.clone();
                record(attempt, &submitted)?;
            }
            if !info.ended() && tail.quiet() {
                let why = (info.reason != "None").then(|| format!(" ({})", info.reason));
                *live.line.lock().unwrap() = format!(
                    "slurm job {}: {}{}",
                    submitted.id,
                    info.state,
                    why.unwrap_or_default()
                );
            }
        }
        match info {
            Some(info) if !info.ended() => {}
            ended => break ended,
        }
        if runner.is_interrupted() && !cancelled {
            // A job that ends just now cannot be cancelled: the next look tells.
            match scontrol::cancel(&submitted.id) {
                Ok(()) => cancelled = true,
                Err(err) if cancel_failures >= 10 => return Err(err),
                Err(_) => cancel_failures += 1,
            }
        }
        nap(runner, started, cancelled);
    };
    tail.pump(live, sink);
    let outcome = ending(&submitted, info.as_ref(), cancelled, live);
    if outcome.exit != Exit::Interrupted && !submitted.result.is_file() {
        said_without_result(&submitted, info.as_ref(), tail.path());
    }
    if info.is_none() {
        submitted.state = "GONE".into();
        record(attempt, &submitted)?;
    }
    Ok(outcome)
}

/// Wait before the next look at the job: often at first, less once it runs long (a big
/// cluster's controller is asked by every task), waking for an interrupt.
fn nap(runner: &Runner, since: Instant, cancelled: bool) {
    let pause = match since.elapsed().as_secs() {
        _ if cancelled => 200,
        0..10 => 200,
        10..60 => 1000,
        _ => 5000,
    };
    let until = Instant::now() + Duration::from_millis(pause);
    while cancelled || !runner.is_interrupted() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

/// A job that ended without writing its result never ran the attempt to its end (its
/// interpreter missing on the node, a node failure): what Slurm's output file for it says
/// goes into the task's log, where `logs` and the failure's message find it.
fn said_without_result(job: &SchedulerJob, info: Option<&scontrol::Info>, log: &Path) {
    use std::io::Write as _;
    let name = job
        .result
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let out = job
        .result
        .with_file_name(name.unwrap_or_default().replace(".result.json", ".out"));
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let said = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let state = info.map_or("unknown to Slurm", |i| i.state.as_str());
    let said = match crate::text::one_line(said) {
        said if said.is_empty() => String::new(),
        said => format!(": {said}"),
    };
    let line = format!(
        "==> git-agents: slurm job {} ended {state} without a result (see {}){said}\n",
        job.id,
        out.display(),
    );
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(log)
    {
        let _ = file.write_all(line.as_bytes());
    }
}

/// How the attempt ended: Slurm's word for time, memory and node failures, else what the job
/// wrote, else the job's state and exit code.
fn ending(
    job: &SchedulerJob,
    info: Option<&scontrol::Info>,
    cancelled: bool,
    live: &Live,
) -> Outcome {
    let written = std::fs::read(&job.result)
        .ok()
        .and_then(|b| serde_json::from_slice::<script::JobResult>(&b).ok());
    let mut log_error = None;
    let from_job = written.and_then(|result| {
        *live.telemetry.lock().unwrap() = result.telemetry;
        log_error = result.log_error;
        script::parse_exit(&result.exit)
    });
    let exit = match (info, from_job) {
        _ if cancelled => Exit::Interrupted,
        (Some(info), _) if info.overrides_result() => info.exit(),
        (Some(info), _) if info.state == "CANCELLED" => Exit::Interrupted,
        (_, Some(exit)) => exit,
        (Some(info), None) => info.exit(),
        (None, None) => {
            log_error = Some(format!(
                "Slurm no longer knows job {} and it left no result",
                job.id
            ));
            Exit::Code(1)
        }
    };
    Outcome { exit, log_error }
}

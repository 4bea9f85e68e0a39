use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn writ() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_writ"));
    command
        .env_remove("WRIT_DATABASE_URL")
        .env("WRIT_LOG", "info");
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that `output` exited with `code` and that its stderr says `says`.
pub fn assert_exit(output: &Output, code: i32, says: &str) {
    let stderr = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
}

/// A running `writ serve`, with the address it reported and what it has logged.
pub struct Server {
    child: Child,
    pub address: String,
    log: mpsc::Receiver<String>,
    /// Every line logged so far.
    pub seen: Vec<String>,
}

impl Server {
    /// Starts `writ serve` on free ports with `data_dir`, waiting until it listens.
    pub fn start(data_dir: &Path, configure: impl FnOnce(&mut Command)) -> Server {
        Self::start_command(data_dir, "serve", configure)
    }

    /// Starts `writ demo --credentials CREDENTIALS` (and what `configure` adds) and
    /// waits up to 30 s for the credentials file it writes.
    #[allow(clippy::disallowed_methods)] // a blocking test polls with a short sleep
    pub fn start_demo(
        data_dir: &Path,
        credentials: &Path,
        configure: impl FnOnce(&mut Command),
    ) -> (Server, serde_json::Value) {
        let credentials_arg = credentials.to_path_buf();
        let server = Self::start_command(data_dir, "demo", move |command| {
            command.arg("--credentials").arg(&credentials_arg);
            configure(command);
        });
        for _ in 0..300 {
            if let Ok(text) = std::fs::read_to_string(credentials) {
                return (server, serde_json::from_str(&text).unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("writ demo wrote no credentials file");
    }

    /// Starts `writ SUBCOMMAND` (serve or demo) on free ports, waiting until it listens.
    pub fn start_command(
        data_dir: &Path,
        subcommand: &str,
        configure: impl FnOnce(&mut Command),
    ) -> Server {
        Self::start_args(
            [subcommand.as_ref(), "--data".as_ref(), data_dir.as_os_str()],
            configure,
        )
    }

    /// Starts `writ ARGS… --listen 127.0.0.1:0` (metrics on a free port too), waiting
    /// until it listens.
    pub fn start_args<'a>(
        args: impl IntoIterator<Item = &'a std::ffi::OsStr>,
        configure: impl FnOnce(&mut Command),
    ) -> Server {
        let mut command = writ();
        command
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("WRIT_METRICS__LISTEN", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().unwrap();
        let (lines, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = Server {
            child,
            address: String::new(),
            log,
            seen: Vec::new(),
        };
        let line = server.wait_for_log(" serving address=");
        server.address = format!("http://{}", field(&line, "address"));
        server
    }

    /// The next log line containing `text` (failing after 30 seconds).
    pub fn wait_for_log(&mut self, text: &str) -> String {
        loop {
            match self.log.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(error) => panic!("writ never logged {text:?}: {error}"),
            }
        }
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        reqwest::blocking::get(format!("{}{path}", self.address)).unwrap()
    }

    /// Sends SIGKILL (no chance to shut down, as in a crash or the OOM killer) and reaps
    /// the process.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "killed, not exited: {status}");
    }

    /// Freezes the process (SIGSTOP): it holds its connections and leases but does
    /// nothing, until [`resume`](Self::resume).
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a [paused](Self::pause) process run again (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Sends SIGTERM and waits for the process; returns whether it exited cleanly.
    pub fn terminate(mut self) -> bool {
        self.signal("-TERM");
        self.child.wait().unwrap().success()
    }
}

/// The value of `name=value` in a log line.
pub fn field<'a>(line: &'a str, name: &str) -> &'a str {
    let value = line.split(&format!(" {name}=")).nth(1).unwrap_or("");
    value.split_whitespace().next().unwrap_or("")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Real mail servers for the email tests: Dovecot (IMAP, plain/STARTTLS and TLS ports) and an
//! aiosmtpd sink (SMTP, plain/STARTTLS and TLS ports), on 127.0.0.1, free ports, everything in
//! one temporary directory that is removed afterwards. Configs and the sink live in tests/mail/.
//!
//! Who the mail user is: Dovecot refuses to store mail as uid 0. Run as root (CI), the harness
//! uses the system user `parleymail`, creating it with `useradd -r` if it is missing (falling back
//! to Debian's `mail` user if that fails), and Dovecot's own `dovecot`/`dovenull` users for its
//! internal and login processes. Run as anyone else, everything runs as that user (no chroot).
//!
//! The tests skip, loudly, only when `dovecot` is not installed; `scripts/setup.sh --test`
//! installs it (and python3-aiosmtpd), so in CI they always run.
#![allow(dead_code, clippy::unwrap_used)]

use parley_channels::email::{EmailConfig, EmailSecret, Security, ServerConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "agent@shop.test";
pub const PASSWORD: &str = "correct horse battery staple";
pub const CUSTOMER: &str = "alice@customer.test";

pub struct MailServers {
    pub dir: tempfile::TempDir,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub smtp_port: u16,
    pub smtps_port: u16,
    pub ca_pem: String,
    conf: PathBuf,
    dovecot: Option<Child>,
    sink: Option<Child>,
}

fn mail_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mail")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn which(cmd: &str) -> Option<PathBuf> {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = Path::new(dir).join(cmd);
        if p.exists() {
            return Some(p);
        }
    }
    None
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn id_of(flag: &str, user: &str) -> Option<u32> {
    let out = Command::new("id").arg(flag).arg(user).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .flatten()
}

/// The non-root user mail is stored as, when the tests run as root.
fn mail_user() -> (String, u32, u32) {
    if id_of("-u", "parleymail").is_none() {
        let _ = Command::new("useradd")
            .args(["-r", "-M", "-s", "/usr/sbin/nologin", "parleymail"])
            .status();
    }
    for user in ["parleymail", "mail"] {
        if let (Some(uid), Some(gid)) = (id_of("-u", user), id_of("-g", user))
            && uid != 0
        {
            return (user.to_string(), uid, gid);
        }
    }
    panic!("no non-root mail user: create one with `useradd -r parleymail`");
}

fn python_with_aiosmtpd() -> PathBuf {
    for py in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(py)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return PathBuf::from(py);
        }
    }
    panic!(
        "Dovecot is installed but python3-aiosmtpd is not: run scripts/setup.sh --test (or apt-get install python3-aiosmtpd)"
    );
}

impl MailServers {
    /// Starts both servers, or returns `None` (after saying so loudly) when Dovecot is missing.
    pub fn start() -> Option<MailServers> {
        let Some(dovecot) = which("dovecot") else {
            eprintln!(
                "\n\n!!!!! SKIPPING EMAIL TESTS: `dovecot` is not installed. Run scripts/setup.sh --test (installs dovecot-imapd and python3-aiosmtpd). !!!!!\n\n"
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("parley-mail-")
            .tempdir()
            .unwrap();
        let d = dir.path();
        let root = unsafe_free_is_root();
        let (mail_user, uid, gid) = if root {
            mail_user()
        } else {
            let user = run(Command::new("id").arg("-un"));
            let uid = run(Command::new("id").arg("-u")).parse().unwrap();
            let gid = run(Command::new("id").arg("-g")).parse().unwrap();
            (user, uid, gid)
        };
        // Dovecot's processes (other users when root) must reach their files under the dir.
        run(Command::new("chmod").arg("0755").arg(d));
        for sub in ["run", "state", "mail", "sink"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        if root {
            run(Command::new("chown")
                .arg(format!("{uid}:{gid}"))
                .arg(d.join("mail")));
        }
        make_certs(d);
        std::fs::write(d.join("users"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();

        let imap_port = free_port();
        let imaps_port = free_port();
        let (internal_user, internal_group, login_user, chroot) = if root {
            (
                "dovecot".to_string(),
                "dovecot".to_string(),
                "dovenull".to_string(),
                "",
            )
        } else {
            let group = run(Command::new("id").arg("-gn"));
            (mail_user.clone(), group, mail_user.clone(), "chroot =")
        };
        let template = std::fs::read_to_string(mail_dir().join("dovecot.conf.in")).unwrap();
        let conf_text = template
            .replace("@DIR@", &d.display().to_string())
            .replace("@PORT@", &imap_port.to_string())
            .replace("@TLS_PORT@", &imaps_port.to_string())
            .replace("@INTERNAL_USER@", &internal_user)
            .replace("@INTERNAL_GROUP@", &internal_group)
            .replace("@LOGIN_USER@", &login_user)
            .replace("@MAIL_UID@", &uid.to_string())
            .replace("@MAIL_GID@", &gid.to_string())
            .replace("@CHROOT@", chroot);
        let conf = d.join("dovecot.conf");
        std::fs::write(&conf, conf_text).unwrap();
        let _ = dovecot;

        let smtp_port = free_port();
        let smtps_port = free_port();
        let mut servers = MailServers {
            ca_pem: std::fs::read_to_string(d.join("ca.crt")).unwrap(),
            dir,
            imap_port,
            imaps_port,
            smtp_port,
            smtps_port,
            conf,
            dovecot: None,
            sink: None,
        };
        servers.start_dovecot();
        servers.start_sink();
        Some(servers)
    }

    pub fn start_dovecot(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("dovecot.stderr"))
            .unwrap();
        let child = Command::new(which("dovecot").unwrap())
            .arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.dovecot = Some(child);
        if !wait_for_greeting(self.imap_port, Duration::from_secs(15)) {
            panic!("Dovecot did not start:\n{}", self.logs());
        }
    }

    pub fn stop_dovecot(&mut self) {
        if let Some(mut child) = self.dovecot.take() {
            // SIGTERM: the master stops its children and removes its pid file.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // Wait until the port is free again.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && TcpStream::connect(("127.0.0.1", self.imap_port)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn restart_dovecot(&mut self) {
        self.stop_dovecot();
        self.start_dovecot();
    }

    /// Makes Dovecot forget every mailbox's UIDs (as after a server rebuild or a restore from
    /// backup): stops it, rebuilds the user's Maildir from the message files alone (no uid lists,
    /// no indexes), starts it again. The messages stay; they get new UIDs under a new
    /// UIDVALIDITY.
    pub fn reset_uidvalidity(&mut self) {
        self.stop_dovecot();
        // UIDVALIDITY is derived from the time: make sure the new one differs.
        std::thread::sleep(Duration::from_millis(1100));
        let root = self.dir.path().join("mail");
        let live = root.join(USER);
        let fresh = root.join(format!("{USER}.fresh"));
        copy_messages(&live, &fresh);
        std::fs::rename(&live, root.join(format!("{USER}.old"))).unwrap();
        std::fs::rename(&fresh, &live).unwrap();
        if unsafe_free_is_root() {
            let meta = std::fs::metadata(&root).unwrap();
            use std::os::unix::fs::MetadataExt;
            run(Command::new("chown")
                .arg("-R")
                .arg(format!("{}:{}", meta.uid(), meta.gid()))
                .arg(&live));
        }
        self.start_dovecot();
    }

    /// Starts the sink; a port taken between `free_port` and the sink's bind (another test
    /// process got it first) makes it exit before READY, so it is tried again on fresh ports.
    fn start_sink(&mut self) {
        for attempt in 1..=5 {
            if self.try_start_sink() {
                return;
            }
            let err =
                std::fs::read_to_string(self.dir.path().join("sink.stderr")).unwrap_or_default();
            eprintln!("the SMTP sink did not start (attempt {attempt}), trying other ports: {err}");
            self.smtp_port = free_port();
            self.smtps_port = free_port();
        }
        panic!("the SMTP sink did not start on five pairs of ports");
    }

    fn try_start_sink(&mut self) -> bool {
        let d = self.dir.path();
        let mut child = Command::new(python_with_aiosmtpd())
            .arg(mail_dir().join("smtp_sink.py"))
            .args(["--port", &self.smtp_port.to_string()])
            .args(["--tls-port", &self.smtps_port.to_string()])
            .arg("--dir")
            .arg(d.join("sink"))
            .args(["--user", USER, "--password", PASSWORD])
            .arg("--cert")
            .arg(d.join("server.crt"))
            .arg("--key")
            .arg(d.join("server.key"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(d.join("sink.stderr"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if line.trim() != "READY" {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        self.sink = Some(child);
        true
    }

    pub fn stop_sink(&mut self) {
        if let Some(mut child) = self.sink.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn logs(&self) -> String {
        let mut s = String::new();
        for f in ["dovecot.log", "dovecot.stderr", "sink.stderr"] {
            s.push_str(&std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default());
        }
        s
    }

    /// The account config for the given IMAP/SMTP security.
    pub fn config(&self, imap: Security, smtp: Security) -> EmailConfig {
        let imap_port = if imap == Security::Tls {
            self.imaps_port
        } else {
            self.imap_port
        };
        let smtp_port = if smtp == Security::Tls {
            self.smtps_port
        } else {
            self.smtp_port
        };
        let mut c = EmailConfig::new(
            USER,
            USER,
            EmailSecret::Password(PASSWORD.into()),
            ServerConfig {
                host: "127.0.0.1".into(),
                port: imap_port,
                security: imap,
            },
            ServerConfig {
                host: "127.0.0.1".into(),
                port: smtp_port,
                security: smtp,
            },
        );
        c.display_name = Some("Shop Support".into());
        c.extra_roots_pem = Some(self.ca_pem.clone());
        c.timeout = Duration::from_secs(3);
        c
    }

    pub fn plain_config(&self) -> EmailConfig {
        self.config(Security::None, Security::None)
    }

    /// Messages the SMTP sink accepted, in order: (envelope JSON, raw message).
    pub fn sink_messages(&self) -> Vec<(serde_json::Value, Vec<u8>)> {
        let dir = self.dir.path().join("sink");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let n = e.ok()?.file_name().to_string_lossy().to_string();
                n.strip_suffix(".eml").map(str::to_string)
            })
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let env = std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap();
                let raw = std::fs::read(dir.join(format!("{n}.eml"))).unwrap();
                (serde_json::from_str(&env).unwrap(), raw)
            })
            .collect()
    }

    /// A raw IMAP client on the plain port, for the tests' own APPEND/CREATE/DELETE.
    pub fn admin(&self) -> Admin {
        Admin::connect(self.imap_port)
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        self.stop_sink();
        self.stop_dovecot();
    }
}

/// Copies a Maildir tree without Dovecot's own files.
fn copy_messages(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("dovecot") || name == "subscriptions" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_messages(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

fn unsafe_free_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn wait_for_greeting(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 64];
            if let Ok(n) = s.read(&mut buf)
                && buf[..n].starts_with(b"* OK")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    false
}

fn make_certs(d: &Path) {
    let openssl = |args: &[&str]| {
        run(Command::new("openssl").current_dir(d).args(args));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3",
        "-subj",
        "/CN=Parley Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "3",
        "-extfile",
        "server.ext",
    ]);
    // Dovecot (as root) and the sink read the key; the mail user never needs it.
    run(Command::new("chmod").arg("0644").arg(d.join("server.key")));
}

/// A minimal blocking IMAP client (plain, LOGIN) for test set-up: no dependence on the code under
/// test.
pub struct Admin {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    tag: u32,
}

impl Admin {
    fn connect(port: u16) -> Admin {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut greeting = String::new();
        reader.read_line(&mut greeting).unwrap();
        let mut a = Admin {
            stream,
            reader,
            tag: 0,
        };
        a.cmd(&format!("LOGIN \"{USER}\" \"{PASSWORD}\""));
        a
    }

    /// Runs a command, returns the untagged lines; panics unless it ends OK.
    pub fn cmd(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        write!(self.stream, "{tag} {command}\r\n").unwrap();
        self.finish(&tag)
    }

    fn finish(&mut self, tag: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "IMAP connection closed");
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "IMAP command failed: {rest}");
                return lines;
            }
            lines.push(line.trim_end().to_string());
        }
    }

    pub fn append(&mut self, mailbox: &str, raw: &[u8]) {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        write!(
            self.stream,
            "{tag} APPEND \"{mailbox}\" {{{}}}\r\n",
            raw.len()
        )
        .unwrap();
        let mut cont = String::new();
        self.reader.read_line(&mut cont).unwrap();
        assert!(cont.starts_with('+'), "APPEND refused: {cont}");
        self.stream.write_all(raw).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
        self.finish(&tag);
    }

    /// APPEND that may be refused (a mail the server will not store): whether it was stored.
    pub fn try_append(&mut self, mailbox: &str, raw: &[u8]) -> bool {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        write!(
            self.stream,
            "{tag} APPEND \"{mailbox}\" {{{}}}\r\n",
            raw.len()
        )
        .unwrap();
        let mut cont = String::new();
        self.reader.read_line(&mut cont).unwrap();
        if !cont.starts_with('+') {
            return false;
        }
        self.stream.write_all(raw).unwrap();
        self.stream.write_all(b"\r\n").unwrap();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "IMAP connection closed");
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                return rest.starts_with("OK");
            }
        }
    }

    pub fn uidvalidity(&mut self, mailbox: &str) -> u32 {
        let lines = self.cmd(&format!("STATUS \"{mailbox}\" (UIDVALIDITY)"));
        let line = lines.iter().find(|l| l.contains("UIDVALIDITY")).unwrap();
        line.rsplit("UIDVALIDITY ")
            .next()
            .unwrap()
            .trim_end_matches(')')
            .trim()
            .parse()
            .unwrap()
    }

    pub fn search_header(&mut self, mailbox: &str, header: &str, value: &str) -> usize {
        self.cmd(&format!("SELECT \"{mailbox}\""));
        let lines = self.cmd(&format!("UID SEARCH HEADER {header} \"{value}\""));
        lines
            .iter()
            .find(|l| l.starts_with("* SEARCH"))
            .map_or(0, |l| l.split_whitespace().count() - 2)
    }
}

/// A simple message, CRLF line ends.
pub fn mail(
    from: &str,
    to: &str,
    subject: &str,
    message_id: Option<&str>,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    mail_at(
        "Mon, 2 Jun 2025 10:00:00 +0000",
        from,
        to,
        subject,
        message_id,
        extra_headers,
        body,
    )
}

/// [`mail`] with a given Date header.
pub fn mail_at(
    date: &str,
    from: &str,
    to: &str,
    subject: &str,
    message_id: Option<&str>,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    let mut s = format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n");
    if let Some(id) = message_id {
        s.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    s.push_str(extra_headers);
    s.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    s.push_str(&body.replace('\n', "\r\n"));
    s.push_str("\r\n");
    s.into_bytes()
}

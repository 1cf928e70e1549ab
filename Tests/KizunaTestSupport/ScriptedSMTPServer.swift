import Foundation

/// A small loopback SMTP server (Debian's /usr/bin/python3, plain sockets) for the outcomes a
/// real Postfix will not produce on demand. The recipient's address picks the behaviour:
///
/// - `refuse…` or `rcpt550…` → 550 5.1.1 at RCPT;
/// - `always451…` or `rcpt451…` → 451 at RCPT, every time;
/// - `later…` → 451 at the first RCPT for that address, 250 afterwards;
/// - `full552…` → 552 (mailbox full) at the first RCPT for that address, 250 afterwards;
/// - `data554…` / `data451…` → 554 / 451 after the data;
/// - `dropdata…` → the connection closes in the middle of DATA;
/// - anything else → 250.
///
/// `mailFromReply` answers every MAIL FROM (a relay that is unavailable itself). The log has one
/// line per event: `CONNECT`, `CMD <command line>`, `MAIL`, `RCPT <address>`, `ACCEPT <address>`,
/// `DROPPED <address>`.
public final class ScriptedSMTPServer {
    let process = Process()
    public let port: UInt16
    private let dir: URL
    private let logURL: URL

    static let script = #"""
import os, socket, sys, threading
port_file, log_file = sys.argv[1], sys.argv[2]
mail_from_reply = sys.argv[3] if len(sys.argv) > 3 else "250 2.1.0 Ok"
lock = threading.Lock()
tried = set()
counter = [0]
def log(s):
    with lock:
        with open(log_file, "a") as f: f.write(s + "\n")
def first_time(addr):
    with lock:
        first = addr not in tried
        tried.add(addr)
        return first
def serve(c):
    f = c.makefile("rb")
    def send(s): c.sendall((s + "\r\n").encode())
    send("220 scripted.test ESMTP")
    rcpt = None
    while True:
        raw = f.readline()
        if not raw: break
        cmd = raw.decode("utf-8", "replace").strip(); up = cmd.upper()
        log("CMD " + cmd)
        if up.startswith("EHLO"): send("250-scripted.test\r\n250-8BITMIME\r\n250 SIZE 10000000")
        elif up.startswith("HELO"): send("250 scripted.test")
        elif up.startswith("MAIL FROM"): rcpt = None; log("MAIL"); send(mail_from_reply)
        elif up.startswith("RCPT TO"):
            addr = cmd[8:].strip(); low = addr.lower()
            log("RCPT " + addr)
            if "refuse" in low or "rcpt550" in low: send("550 5.1.1 scripted: no such user")
            elif "always451" in low or "rcpt451" in low: send("451 4.3.0 scripted: try later")
            elif "full552" in low and first_time(low): send("552 5.2.2 scripted: mailbox full")
            elif "later" in low and first_time(low): send("451 4.3.0 scripted: try later")
            else: rcpt = addr; send("250 2.1.5 Ok")
        elif up == "DATA":
            if rcpt is None: send("554 5.5.1 Error: no valid recipients"); continue
            send("354 End data with <CR><LF>.<CR><LF>")
            if "dropdata" in rcpt.lower():
                f.readline(); c.shutdown(socket.SHUT_RDWR); c.close(); log("DROPPED " + rcpt); return
            while True:
                line = f.readline()
                if not line or line == b".\r\n": break
            if "data554" in rcpt.lower(): send("554 5.7.1 scripted: content rejected"); continue
            if "data451" in rcpt.lower(): send("451 4.3.0 scripted: queue full"); continue
            with lock: counter[0] += 1; n = counter[0]
            log("ACCEPT " + rcpt)
            send("250 2.0.0 Ok: queued as Q%d" % n)
        elif up == "RSET": rcpt = None; send("250 2.0.0 Ok")
        elif up == "NOOP": send("250 2.0.0 Ok")
        elif up == "QUIT": send("221 2.0.0 Bye"); break
        else: send("502 5.5.2 Error: command not recognized")
    c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
with open(port_file + ".tmp", "w") as pf: pf.write(str(s.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = s.accept()
    log("CONNECT")
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""#

    public init(mailFromReply: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw SupportFailure("/usr/bin/python3 is needed for the scripted SMTP server (apt-get install python3)")
        }
        dir = try makeTemporaryDirectory("scripted-smtp")
        let scriptURL = dir.appendingPathComponent("scripted_smtp.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let portFile = dir.appendingPathComponent("port")
        logURL = dir.appendingPathComponent("log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptURL.path, portFile.path, logURL.path] + (mailFromReply.map { [$0] } ?? [])
        try process.run()
        // Wait for the server to report its port (a start-up condition, not a timed assertion).
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard Date() < deadline, process.isRunning else { throw SupportFailure("the scripted SMTP server did not start") }
            usleep(20_000)
        }
        port = UInt16(try String(contentsOf: portFile, encoding: .utf8))!
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    public var log: [String] {
        ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func rcptCount(_ fragment: String) -> Int { log.filter { $0.hasPrefix("RCPT ") && $0.contains(fragment) }.count }
    public func acceptCount(_ fragment: String) -> Int { log.filter { $0.hasPrefix("ACCEPT ") && $0.contains(fragment) }.count }

    public func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    deinit { stop() }
}

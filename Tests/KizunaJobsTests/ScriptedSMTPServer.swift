import Foundation
import XCTest

/// A tiny loopback SMTP server (Debian's /usr/bin/python3, plain sockets) whose replies are
/// chosen by the recipient's local part: `refuse…` → 550 at RCPT, `always451…` → 451 at RCPT
/// every time, `later…` → 451 at the first RCPT for that address and 250 afterwards,
/// `full552…` → 552 (mailbox full) at the first RCPT and 250 afterwards;
/// anything else → 250. Every RCPT and accepted message is logged, one line each. A server made
/// with `mailFromReply` gives that reply to every MAIL FROM (a relay that is unavailable itself).
final class ScriptedSMTPServer {
    let process = Process()
    let port: UInt16
    private let dir: URL
    private let logURL: URL

    static let script = #"""
import os, socket, sys, threading
port_file, log_file = sys.argv[1], sys.argv[2]
mail_from_reply = sys.argv[3] if len(sys.argv) > 3 else "250 2.1.0 Ok"
lock = threading.Lock()
tried = set()
def log(s):
    with lock:
        with open(log_file, "a") as f: f.write(s + "\n")
def serve(c):
    f = c.makefile("rb")
    def send(s): c.sendall((s + "\r\n").encode())
    send("220 scripted.test ESMTP")
    rcpt = None
    while True:
        raw = f.readline()
        if not raw: break
        cmd = raw.decode("utf-8", "replace").strip(); up = cmd.upper()
        if up.startswith("EHLO"): send("250-scripted.test\r\n250-8BITMIME\r\n250 SIZE 10000000")
        elif up.startswith("HELO"): send("250 scripted.test")
        elif up.startswith("MAIL FROM"): rcpt = None; log("MAIL"); send(mail_from_reply)
        elif up.startswith("RCPT TO"):
            addr = cmd[8:].strip()
            log("RCPT " + addr)
            if "refuse" in addr: send("550 5.1.1 scripted: no such user")
            elif "always451" in addr: send("451 4.3.0 scripted: try later")
            elif "full552" in addr:
                with lock:
                    first = addr not in tried
                    tried.add(addr)
                if first: send("552 5.2.2 scripted: mailbox full")
                else: rcpt = addr; send("250 2.1.5 Ok")
            elif "later" in addr:
                with lock:
                    first = addr not in tried
                    tried.add(addr)
                if first: send("451 4.3.0 scripted: try later")
                else: rcpt = addr; send("250 2.1.5 Ok")
            else: rcpt = addr; send("250 2.1.5 Ok")
        elif up == "DATA":
            if rcpt is None: send("554 5.5.1 Error: no valid recipients"); continue
            send("354 go ahead")
            while True:
                line = f.readline()
                if not line or line == b".\r\n": break
            log("ACCEPT " + rcpt)
            send("250 2.0.0 Ok: queued")
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
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""#

    init(mailFromReply: String? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-scripted-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let scriptURL = dir.appendingPathComponent("scripted_smtp.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let portFile = dir.appendingPathComponent("port")
        logURL = dir.appendingPathComponent("log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw TestFailure("/usr/bin/python3 is needed for the scripted SMTP server (apt-get install python3)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptURL.path, portFile.path, logURL.path] + (mailFromReply.map { [$0] } ?? [])
        try process.run()
        // Wait for the server to report its port (a start-up condition, not a timed assertion).
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard Date() < deadline, process.isRunning else { throw TestFailure("the scripted SMTP server did not start") }
            usleep(20_000)
        }
        port = UInt16(try String(contentsOf: portFile, encoding: .utf8))!
    }

    var log: [String] {
        ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func rcptCount(_ fragment: String) -> Int { log.filter { $0.hasPrefix("RCPT ") && $0.contains(fragment) }.count }
    func acceptCount(_ fragment: String) -> Int { log.filter { $0.hasPrefix("ACCEPT ") && $0.contains(fragment) }.count }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    deinit { stop() }
}

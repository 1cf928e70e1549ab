import Foundation
import KizunaTestSupport
import XCTest

/// A small misbehaving SMTP server (Debian's python3, plain sockets) for outcomes Postfix
/// will not produce on demand. The recipient's local part picks the behaviour:
/// `rcpt451…` → 451 at RCPT, `rcpt550…` → 550 at RCPT, `data554…` → 554 after the data,
/// `data451…` → 451 after the data, `dropdata…` → the connection closes in the middle of DATA;
/// anything else → 250. An envelope sender containing `busy` gets 451 at MAIL FROM.
/// Every connection, RCPT line and accepted message is logged to a file.
final class FakeSMTPServer {
    let process = Process()
    let port: UInt16
    let logURL: URL
    private let dir: URL

    static let script = #"""
import os, socket, sys, threading
port_file, log_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()
counter = [0]
def log(s):
    with lock:
        with open(log_file, "a") as f: f.write(s + "\n")
def serve(c):
    f = c.makefile("rb")
    def send(s): c.sendall((s + "\r\n").encode())
    send("220 fake.test ESMTP kizuna-fake")
    rcpt = None
    while True:
        raw = f.readline()
        if not raw: break
        log("CMD " + raw.decode("utf-8", "replace").rstrip("\r\n"))
        cmd = raw.decode("utf-8", "replace").strip(); up = cmd.upper()
        if up.startswith("EHLO"): send("250-fake.test\r\n250-8BITMIME\r\n250 SIZE 10000000")
        elif up.startswith("HELO"): send("250 fake.test")
        elif up.startswith("MAIL FROM"):
            rcpt = None
            send("451 4.3.2 fake says system busy" if "busy" in cmd else "250 2.1.0 Ok")
        elif up.startswith("RCPT TO"):
            if "rcpt451" in cmd: send("451 4.3.0 fake says try later")
            elif "rcpt550" in cmd: send("550 5.1.1 fake says no such user")
            else: rcpt = cmd[8:]; send("250 2.1.5 Ok")
        elif up == "DATA":
            if rcpt is None: send("554 5.5.1 Error: no valid recipients"); continue
            send("354 End data with <CR><LF>.<CR><LF>")
            if "dropdata" in rcpt:
                f.readline(); c.shutdown(socket.SHUT_RDWR); c.close(); log("DROPPED " + rcpt); return
            while True:
                line = f.readline()
                if not line or line == b".\r\n": break
            if "data554" in rcpt: send("554 5.7.1 fake says content rejected"); continue
            if "data451" in rcpt: send("451 4.3.0 fake says queue full"); continue
            with lock: counter[0] += 1; n = counter[0]
            log("ACCEPT " + rcpt)
            send("250 2.0.0 Ok: queued as FAKE%d" % n)
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

    init() throws {
        dir = try makeTemporaryDirectory("fake-smtp")
        let scriptURL = dir.appendingPathComponent("fake_smtp.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let portFile = dir.appendingPathComponent("port")
        logURL = dir.appendingPathComponent("log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptURL.path, portFile.path, logURL.path]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard Date() < deadline, process.isRunning else { throw XCTSkip("fake SMTP server did not start") }
            usleep(20_000)
        }
        port = UInt16(try String(contentsOf: portFile, encoding: .utf8))!
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    var log: [String] {
        ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    deinit { stop() }
}

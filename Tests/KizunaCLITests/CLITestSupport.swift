import Foundation
@preconcurrency import Glibc
import KizunaTestSupport
import XCTest

/// The repository root and its shipped `templates/`.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let repoTemplates = repoRoot.appendingPathComponent("templates")

/// What one run of the binary did.
struct Run: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

enum Kizuna {
    /// The built `kizuna`, found beside the running test bundle (`.build/debug/kizuna` next to
    /// `.build/debug/KizunaPackageTests.xctest`).
    static func binary(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        try kizunaBinary()
    }

    /// Runs `kizuna ARGS` in `directory`, capturing both streams through files (no pipe can fill up).
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = try start(arguments, in: directory, environment: environment, file: file, line: line)
        return process.wait()
    }

    /// Runs another program (such as `script`, which gives `kizuna` a terminal) the same way.
    static func runProgram(_ path: String, _ arguments: [String], in directory: URL) throws -> Run {
        try start(arguments, in: directory, executable: URL(fileURLWithPath: path)).wait()
    }

    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:], executable: URL? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws -> RunningKizuna {
        let exe = try executable ?? binary(file: file, line: line)
        let id = UUID().uuidString.prefix(8)
        let out = directory.appendingPathComponent(".run-\(id).out"), err = directory.appendingPathComponent(".run-\(id).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KIZUNA_CONFIG")
        env.removeValue(forKey: "KIZUNA_LOG_LEVEL")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return RunningKizuna(process: p, out: out, err: err)
    }
}

final class RunningKizuna {
    let process: Process
    let out: URL, err: URL
    init(process: Process, out: URL, err: URL) { self.process = process; self.out = out; self.err = err }
    func wait() -> Run {
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return Run(status: process.terminationStatus,
                   stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A scratch directory for one test, removed afterwards.
func scratchDirectory(_ test: XCTestCase, _ label: String = "cli") throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-\(label)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // `kizuna init` starts a gpg-agent for the instance's keyring: stop it with the directory.
    test.addTeardownBlock { stopGPGAgents(under: dir); try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// Today in the instances' zone (Asia/Tokyo), as YYYY-MM-DD, shifted by `days`.
func tokyoDate(adding days: Int = 0) -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "Asia/Tokyo")!
    let d = cal.date(byAdding: .day, value: days, to: Date())!
    let c = cal.dateComponents([.year, .month, .day], from: d)
    return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
}

/// `kizuna init DIR --templates <repo templates> [--samples]`; returns the config path.
func initInstance(_ dir: URL, samples: Bool, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let run = try Kizuna.run(["init", dir.appendingPathComponent("inst").path, "--templates", repoTemplates.path] + (samples ? ["--samples"] : []),
                             in: dir, file: file, line: line)
    XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
    return dir.appendingPathComponent("inst/kizuna.toml").path
}

/// The files a Maildir's `new/` holds.
func maildirFiles(_ dir: URL) -> [URL] {
    let new = dir.appendingPathComponent("new")
    return ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted().map { new.appendingPathComponent($0) }
}

/// The recipient (Delivered-To) of each message in a Maildir.
func maildirRecipients(_ dir: URL) -> [String] {
    maildirFiles(dir).compactMap { url in
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.components(separatedBy: .newlines).first { $0.hasPrefix("Delivered-To: ") }.map { String($0.dropFirst("Delivered-To: ".count)) }
    }
}

/// `kizuna stats --json`, parsed.
func stats(_ config: String, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let run = try Kizuna.run(["stats", "--json", "--config", config], in: dir, file: file, line: line)
    XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    return try XCTUnwrap(object as? [String: Any], "stats --json is not an object: \(run.stdout)", file: file, line: line)
}

func count(_ stats: [String: Any], _ group: String, _ key: String) -> Int {
    ((stats[group] as? [String: Any])?[key] as? Int) ?? 0
}

/// Replaces the `[maildir]` table of a config written by `kizuna init` with `replacement`.
func replaceTransport(in config: String, with replacement: String) throws {
    var text = try String(contentsOfFile: config, encoding: .utf8)
    if let r = text.range(of: "\n[maildir]\npath = \"outbox\"\n") {
        text.replaceSubrange(r, with: "\n" + replacement + "\n")
    } else if let start = text.range(of: "\n[smtp]\n"), let end = text.range(of: "\n\n", range: start.upperBound..<text.endIndex) {
        text.replaceSubrange(start.lowerBound..<end.upperBound, with: "\n" + replacement + "\n\n")
    } else {
        throw CLITestError("unexpected config layout: \(text)")
    }
    try text.write(toFile: config, atomically: true, encoding: .utf8)
}

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// An exclusive `flock` held by the test process on `path`, as a running kizuna would hold it.
final class HeldLock {
    private var fd: Int32
    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw CLITestError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        _ = ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
    func release() { if fd >= 0 { close(fd); fd = -1 } }
    deinit { release() }
}

/// Runs SQL on an instance's database with Python's sqlite3 (the tests have no SQLite of their
/// own); returns the exit status.
func runSQL(_ database: String, _ statement: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    p.arguments = ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", database, statement]
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

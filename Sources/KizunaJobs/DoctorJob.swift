import Foundation
import Glibc
import KizunaCore
import KizunaMail
import KizunaStore
import Logging

/// One line of `kizuna doctor`: what was checked, how it went, and what to do about it.
public struct DoctorCheck: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case ok, warn, fail }
    /// The kind of check (`configuration`, `catalog`, `spool`, `database`, `relay`, `mailbox`,
    /// `openpgp`, `clock`): stable, for monitoring.
    public var kind: String
    /// What was checked, e.g. `relay [smtp]` or `mailbox edition town`.
    public var name: String
    public var status: Status
    public var detail: String
    /// What to do: set for a warning or a failure.
    public var fix: String?
    /// The exit status this failure gives `kizuna doctor` (sysexits); 0 unless `status` is fail.
    public var exitStatus: Int32

    enum CodingKeys: String, CodingKey { case kind, name, status, detail, fix, exitStatus = "exit_status" }

    public static func ok(_ kind: String, name: String? = nil, _ detail: String) -> DoctorCheck {
        DoctorCheck(kind: kind, name: name ?? kind, status: .ok, detail: detail, fix: nil, exitStatus: ExitStatus.ok)
    }
    public static func warn(_ kind: String, name: String? = nil, _ detail: String, fix: String) -> DoctorCheck {
        DoctorCheck(kind: kind, name: name ?? kind, status: .warn, detail: detail, fix: fix, exitStatus: ExitStatus.ok)
    }
    public static func fail(_ kind: String, name: String? = nil, _ detail: String, fix: String, exit: Int32) -> DoctorCheck {
        DoctorCheck(kind: kind, name: name ?? kind, status: .fail, detail: detail, fix: fix, exitStatus: exit)
    }
}

/// `kizuna doctor`: checks everything a night needs, each check on its own so that one failure
/// hides none of the others, without sending mail or changing the database.
public struct DoctorJob {
    public let configPath: String
    public let clock: any WallClock
    public let logger: Logger
    /// Below this much free space in the spool's file system, a warning.
    public var minimumFreeBytes: UInt64 = 100 * 1024 * 1024

    public init(configPath: String, clock: any WallClock, logger: Logger) {
        self.configPath = configPath; self.clock = clock; self.logger = logger
    }

    /// The checks in order; the configuration first, since every other check reads it.
    public func run() -> [DoctorCheck] {
        let instance: Instance
        do {
            instance = try Instance.open(configPath: configPath, clock: clock, logger: logger)
        } catch {
            return [.fail("configuration", describe(error), fix: "Correct the file and key named above (`kizuna init DIR` writes a commented example).",
                          exit: ExitStatus.config)]
        }
        var checks: [DoctorCheck] = [.ok("configuration", "\(configPath) loads; \(instance.configuration.editions.count) edition(s)")]
        checks.append(catalog(instance))
        checks.append(spool(instance))
        checks.append(database(instance))
        checks += relays(instance)
        checks += mailboxes(instance)
        checks.append(openPGP(instance))
        checks += clocks(instance)
        return checks
    }

    /// 0 when nothing failed (warnings do not count), else the first failure's status.
    public static func exitStatus(_ checks: [DoctorCheck]) -> Int32 {
        checks.first { $0.status == .fail }?.exitStatus ?? ExitStatus.ok
    }

    func catalog(_ instance: Instance) -> DoctorCheck {
        let mode = instance.configuration.production ? "production: every text reviewed" : "not production: unreviewed text allowed"
        do {
            _ = try instance.catalog()
            return .ok("catalog", "\(instance.configuration.templatesPath) loads (\(mode))")
        } catch {
            return .fail("catalog", describe(error), fix: "Run `kizuna content lint` and correct the file named; in production, review it (`kizuna content review`).",
                         exit: ExitStatus.config)
        }
    }

    func spool(_ instance: Instance) -> DoctorCheck {
        let root = instance.configuration.spoolPath
        do {
            _ = try instance.spool()
        } catch {
            return .fail("spool", "\(root): cannot create its directories: \(describe(error))",
                         fix: "Make \(root) a directory this user (\(userName())) can write, or point `spool` at one.", exit: ExitStatus.cannotCreate)
        }
        let probe = "\(root)/tmp/.doctor-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data("x".utf8)) else {
            return .fail("spool", "\(root)/tmp: this user (\(userName())) cannot write a file there",
                         fix: "chown -R \(userName()) \(root) (or run kizuna as the spool's owner).", exit: ExitStatus.cannotCreate)
        }
        unlink(probe)
        var fs = statvfs()
        guard statvfs(root, &fs) == 0 else {
            return .fail("spool", "\(root): cannot read the free space: \(String(cString: strerror(errno)))", fix: "Check the file system holding \(root).", exit: ExitStatus.ioError)
        }
        let free = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
        let detail = "\(root) writable; \(free / (1024 * 1024)) MB free"
        // Root can write anywhere: a spool owned by someone else works now, and leaves files the
        // timers' user (the owner) cannot move later.
        var info = stat()
        if stat(root, &info) == 0, info.st_uid != geteuid() {
            let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
            return .warn("spool", "\(detail); owned by \(owner), but this runs as \(userName())",
                         fix: "Run kizuna as \(owner) (e.g. sudo -u \(owner) kizuna …), as the timers do, or chown -R \(userName()) \(root).")
        }
        if free < minimumFreeBytes {
            return .warn("spool", detail, fix: "Free space on the file system holding \(root) (a night writes every family's message there first).")
        }
        return .ok("spool", detail)
    }

    func database(_ instance: Instance) -> DoctorCheck {
        let path = instance.configuration.databasePath
        let health: StoreHealth?
        do {
            health = try Store.health(databasePath: path)
        } catch {
            return .fail("database", "\(path): cannot open it: \(describe(error))",
                         fix: "Check that \(path) is an SQLite file readable by this user (\(userName())); restore it from a backup if it is damaged.", exit: ExitStatus.ioError)
        }
        guard let health else {
            return .warn("database", "\(path) does not exist yet", fix: "`kizuna init` or the first run creates it; check that its directory is writable.")
        }
        if health.integrity != "ok" {
            return .fail("database", "\(path): integrity check: \(health.integrity)", fix: "Stop the timers and restore \(path) from a backup.", exit: ExitStatus.ioError)
        }
        if !health.unknownMigrations.isEmpty {
            return .fail("database", "\(path) was written by a newer kizuna (migrations \(health.unknownMigrations.joined(separator: ", ")))",
                         fix: "Install the kizuna version that wrote it.", exit: ExitStatus.ioError)
        }
        if health.journalMode != "wal" {
            return .warn("database", "\(path): journal mode \(health.journalMode), not wal", fix: "Run any kizuna command that writes (e.g. `kizuna stats` after `kizuna batch`); it opens the database in WAL mode.")
        }
        if !health.pendingMigrations.isEmpty {
            return .warn("database", "\(path): integrity ok, WAL; migrations not yet applied: \(health.pendingMigrations.joined(separator: ", "))",
                         fix: "The next run applies them; back up \(path) first.")
        }
        return .ok("database", "\(path): integrity ok, migrations current, WAL")
    }

    func clocks(_ instance: Instance) -> [DoctorCheck] {
        let now = clock.now()
        func local(_ zone: TimeZone) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = zone; f.dateFormat = "yyyy-MM-dd HH:mm zzz"
            return f.string(from: now)
        }
        var out: [DoctorCheck] = []
        let id = instance.configuration.timeZoneIdentifier
        if TimeZone(identifier: id) == nil {
            out.append(.fail("clock", "time_zone \"\(id)\" is not a known time zone", fix: "Use an IANA name such as Asia/Tokyo (see /usr/share/zoneinfo).", exit: ExitStatus.config))
        } else {
            out.append(.ok("clock", "\(id): \(local(instance.timeZone))"))
        }
        for e in instance.configuration.editions {
            let name = "clock edition \(e.id)"
            if let own = e.timeZoneIdentifier, TimeZone(identifier: own) == nil {
                out.append(.fail("clock", name: name, "edition \(e.id): time_zone \"\(own)\" is not a known time zone", fix: "Use an IANA name such as Asia/Tokyo.", exit: ExitStatus.config))
            } else {
                out.append(.ok("clock", name: name, "local time \(local(instance.timeZone(edition: e.id)))"))
            }
        }
        return out
    }

    func userName() -> String {
        getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
    }
}

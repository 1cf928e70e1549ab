import Foundation
import KizunaContent
import KizunaMail
import KizunaStore

/// A problem a job reports to the operator, with the exit status cron should see.
public struct JobError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32
    public init(_ message: String, exitCode: Int32 = ExitStatus.software) { self.message = message; self.exitCode = exitCode }
    public var description: String { message }
}

/// Exit statuses (sysexits.h), documented in the README so cron jobs can act on them.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    /// An input file or directory does not exist or cannot be listed.
    public static let noInput: Int32 = 66
    public static let unavailable: Int32 = 69
    public static let software: Int32 = 70
    public static let cannotCreate: Int32 = 73
    public static let ioError: Int32 = 74
    /// Some messages are deferred or the server was unreachable: they stay in the spool; run again later.
    public static let tempFail: Int32 = 75
    /// Another run holds the lock.
    public static let locked: Int32 = 75
    public static let config: Int32 = 78
}

/// One line for the operator and the exit status for any error a job can throw.
public func describe(_ error: Error) -> String {
    switch error {
    case let e as ContentError: return "templates: \(e.description)"
    case let e as SpoolError: return "spool: \(e.description)"
    case let e as CustomStringConvertible: return e.description
    default: return "\(error)"
    }
}

public func exitStatus(for error: Error) -> Int32 {
    switch error {
    case let e as JobError: return e.exitCode
    case is ConfigurationError: return ExitStatus.config
    case is ContentError: return ExitStatus.config
    case let e as SpoolError:
        switch e.code {
        case .sendLockHeld: return ExitStatus.locked
        case .diskFull, .io: return ExitStatus.ioError
        case .invalidEnvelope: return ExitStatus.dataError
        }
    case is TransportConfigurationError: return ExitStatus.config
    case let e as OpenPGPError:
        switch e {
        case .engineUnavailable: return ExitStatus.unavailable
        case .homeUnusable: return ExitStatus.cannotCreate
        case .noSuchKey, .nothingImported: return ExitStatus.dataError
        case .operationFailed: return ExitStatus.software
        }
    default: return ExitStatus.software
    }
}

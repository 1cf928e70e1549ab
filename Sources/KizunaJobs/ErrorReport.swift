import Foundation
import KizunaContent
import KizunaMail
import KizunaStore

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
    default: return ExitStatus.software
    }
}

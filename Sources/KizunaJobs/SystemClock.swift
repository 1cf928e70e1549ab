import Foundation
import KizunaCore

/// The system's time: the one clock the executable creates and hands to every job.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

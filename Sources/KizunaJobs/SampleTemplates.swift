import Foundation

/// Where `kizuna init` finds the sample templates it copies into a new instance.
///
/// In order: `--templates DIR`; `KIZUNA_TEMPLATES`; the checkout's `templates/` when the
/// binary is a build inside a checkout (`<checkout>/.build/…/kizuna`); the installed copy,
/// `<binary's directory>/../share/kizuna/templates` (what `make install` writes). The current
/// directory is never looked in: an instance's templates come from Kizuna, not from wherever
/// the command happens to run.
public enum SampleTemplates {
    /// The directories to look in, in order, for a binary at `executable` (symlinks resolved).
    public static func candidates(given: String?, environment: [String: String], executable: String) -> [String] {
        if let given { return [given] }
        var paths: [String] = []
        if let env = environment["KIZUNA_TEMPLATES"], !env.isEmpty { paths.append(env) }
        let binDir = URL(fileURLWithPath: executable).deletingLastPathComponent().standardizedFileURL
        if let checkout = checkoutRoot(containing: binDir) {
            paths.append(checkout.appendingPathComponent("templates").path)
        }
        paths.append(binDir.deletingLastPathComponent().appendingPathComponent("share/kizuna/templates").path)
        return paths
    }

    /// `given` as it is (copied as before), else the first candidate that holds a catalog (a
    /// `layouts` directory), else an error naming every path tried.
    public static func locate(given: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String = runningExecutable(),
                              exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> String {
        if let given { return given }
        let paths = candidates(given: nil, environment: environment, executable: executable)
        if let found = paths.first(where: { exists($0 + "/layouts") }) { return found }
        throw JobError("cannot find the sample templates to copy; tried \(paths.joined(separator: ", ")) "
                       + "(pass --templates DIR, or set KIZUNA_TEMPLATES)", exitCode: ExitStatus.cannotCreate)
    }

    /// The running binary's own path: `/proc/self/exe` (a command found on `PATH` has only its
    /// name in `argv[0]`), else `argv[0]` made absolute.
    public static func runningExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }

    /// `<checkout>` when `directory` lies under `<checkout>/.build` and `<checkout>` holds
    /// `Package.swift`.
    static func checkoutRoot(containing directory: URL) -> URL? {
        var dir = directory
        while dir.path != "/" && !dir.path.isEmpty {
            if dir.lastPathComponent == ".build" {
                let root = dir.deletingLastPathComponent()
                let manifest = root.appendingPathComponent("Package.swift").path
                return FileManager.default.fileExists(atPath: manifest) ? root : nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}

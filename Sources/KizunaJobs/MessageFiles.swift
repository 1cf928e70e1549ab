import Foundation
import KizunaMail

/// The message files named on a command line: a file is itself; a directory is its regular
/// files (a Maildir's `new/` and `cur/` messages), by name, not descending further; hidden
/// files are skipped.
public enum MessageFiles {
    public static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw JobError("\(path): no such file or directory", exitCode: ExitStatus.noInput)
            }
            guard isDirectory.boolValue else { out.append(path); continue }
            let base = URL(fileURLWithPath: path)
            let maildir = ["cur", "new"].map { base.appendingPathComponent($0) }
            let folders = maildir.allSatisfy { fm.fileExists(atPath: $0.path) } ? maildir : [base]
            for folder in folders {
                let names: [String]
                do { names = try fm.contentsOfDirectory(atPath: folder.path) } catch {
                    throw JobError("\(folder.path): cannot list: \(error.localizedDescription)", exitCode: ExitStatus.noInput)
                }
                for name in names.sorted() where !name.hasPrefix(".") {
                    let file = folder.path + "/" + name
                    if FileStatus.isRegularFile(atPath: file) { out.append(file) }
                }
            }
        }
        return out
    }
}

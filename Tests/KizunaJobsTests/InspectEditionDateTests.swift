import Foundation
import KizunaCore
@testable import KizunaJobs
import XCTest

/// `kizuna inspect` reads a message's dates on its edition's own date (`time_zone`), as `poll`
/// does: at 02:00 on 1 May in Tokyo it is still 30 April for ume (Honolulu), so "until 1 May"
/// written to ume is tomorrow, and to sakura (Tokyo) next year's.
final class InspectEditionDateTests: XCTestCase {
    func testAMessagesDatesAreReadOnItsEditionsDate() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "Pacific/Honolulu"))
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let clock = TestClock()
        clock.set(cal.date(from: DateComponents(year: 2026, month: 5, day: 1, hour: 2))!)
        var files: [String] = []
        for (name, to) in [("ume", "kizuna@ume.example"), ("sakura", "kizuna@clinic.example")] {
            let file = night.dir.appendingPathComponent("\(name).eml")
            try Data(parentMail(from: "p-\(name)@families.example", to: to, subject: "pause until 5/1", body: "")).write(to: file)
            files.append(file.path)
        }
        func until(_ date: CivilDate?) throws -> [String?] {
            let job = try InspectJob(config: night.dir.appendingPathComponent("kizuna.toml").path, clock: clock, logger: quietLogger, tell: { _ in })
            var out: [String?] = []
            _ = try job.run(paths: files, date: date, json: true) { line in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let command = object?["command"] as? [String: Any]
                XCTAssertEqual(command?["name"] as? String, "pause", line)
                out.append((command?["arguments"] as? [String: String])?["until"])
            }
            return out
        }
        XCTAssertEqual(try until(nil), ["2026-05-01", "2027-05-01"])
        // --date names one date for every edition.
        XCTAssertEqual(try until(CivilDate(iso: "2026-05-01")), ["2027-05-01", "2027-05-01"])
    }
}

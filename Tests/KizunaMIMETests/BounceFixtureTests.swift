import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// The bounce corpus in `Tests/Fixtures/bounces` (written by `make-bounces.py`): every message
/// is classified and compared with its `.expected.json`.
enum BounceFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("bounces")

    /// The secret the fixtures' VERP addresses were made with (as in `TokenTests`).
    static let tokens = AddressTokens(secret: Array("test secret 0123456789abcdef".utf8))

    static var names: [String] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return all.filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func verdict(_ name: String) throws -> BounceVerdict {
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name + ".eml")))
        return BounceAnalysis.analyze(try IncomingMessage.parse(bytes), tokens: tokens)
    }

    static func expected(_ name: String) throws -> NSDictionary {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".expected.json"))
        return try #require(JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    /// The stable fields of `verdict.json` that the expected files pin down.
    static func projection(_ verdict: BounceVerdict) throws -> NSDictionary {
        let full = try #require(JSONSerialization.jsonObject(with: Data(verdict.json.utf8)) as? [String: Any])
        var out: [String: Any] = [:]
        for key in ["kind", "delivery", "delivery_source", "verp", "address", "feedback_type", "autoreply"] {
            if let v = full[key], key != "address" && key != "feedback_type" || full["kind"] as? String == "complaint" { out[key] = v }
        }
        let recipients = full["recipients"] as? [[String: Any]] ?? []
        out["recipients"] = recipients.map { r in
            ["address": r["address"]!, "action": r["action"]!, "status": r["status"]!, "reason": r["reason"]!, "hard": r["hard"]!]
        }
        return out as NSDictionary
    }
}

@Suite struct BounceFixtureTests {
    @Test func corpusIsLargeAndVaried() {
        let names = BounceFixtures.names
        let bounces = names.filter { n in (try? BounceFixtures.expected(n))?["kind"] as? String == "bounce" }
        let mtas = Set(bounces.map { $0.split(separator: "-").first.map(String.init) ?? $0 })
        print("bounce corpus: \(names.count) messages, \(bounces.count) bounces from \(mtas.count) MTAs/providers")
        #expect(bounces.count >= 60)
        #expect(mtas.count >= 25)
        #expect(names.filter { $0.hasPrefix("arf-") }.count >= 3)
        #expect(names.filter { $0.hasPrefix("vacation-") }.count >= 3)
        #expect(names.filter { n in (try? BounceFixtures.expected(n))?["kind"] as? String == "delay" }.count >= 2)
    }

    @Test func everyFixtureClassifiedAsExpected() throws {
        let names = BounceFixtures.names
        var failures: [String] = []
        for name in names {
            let verdict = try BounceFixtures.verdict(name)
            let got = try BounceFixtures.projection(verdict)
            let want = try BounceFixtures.expected(name)
            if !got.isEqual(want) {
                let g = String(decoding: try JSONSerialization.data(withJSONObject: got, options: [.sortedKeys]), as: UTF8.self)
                let w = String(decoding: try JSONSerialization.data(withJSONObject: want, options: [.sortedKeys]), as: UTF8.self)
                failures.append("\(name)\n  want \(w.prefix(600))\n  got  \(g.prefix(600))\n  evidence \(verdict.evidence)")
            }
        }
        print("bounce fixtures: \(names.count - failures.count)/\(names.count) classified as expected")
        #expect(names.count >= 80)
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.joined(separator: "\n"))")
    }
}

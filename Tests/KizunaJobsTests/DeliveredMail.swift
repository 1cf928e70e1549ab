import Foundation

/// Maildir names are `SECONDS.MMICROSECONDSPPIDQCOUNTER.HOST` with unpadded numbers, so text
/// order is not delivery order (`M95123` sorts after `M312345` within a second): compare numbers.
func maildirOrder(_ a: String, _ b: String) -> Bool {
    func key(_ name: String) -> [Int] {
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count >= 2, let seconds = Int(parts[0]) else { return [] }
        let numbers = parts[1].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        // M<usec> P<pid> Q<counter>: the counter orders one process's messages, the usec the rest.
        return [seconds] + (numbers.count >= 3 ? [numbers[0], numbers[2]] : numbers)
    }
    let ka = key(a), kb = key(b)
    return ka == kb ? a < b : ka.lexicographicallyPrecedes(kb)
}

/// A delivered message, split into header fields (unfolded) and body.
struct DeliveredMail {
    /// The message with CRLF line endings (a Maildir stores LF; the wire form is CRLF).
    let bytes: [UInt8]

    init(bytes raw: [UInt8]) {
        var out = [UInt8]()
        out.reserveCapacity(raw.count + raw.count / 40)
        for (i, b) in raw.enumerated() {
            if b == 10 && (i == 0 || raw[i - 1] != 13) { out.append(13) }
            out.append(b)
        }
        bytes = out
    }
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// (name, unfolded value) of the top-level header, in order.
    var headers: [(name: String, value: String)] {
        let t = text
        let headerText = t.range(of: "\r\n\r\n").map { String(t[..<$0.lowerBound]) } ?? t
        var out: [(String, String)] = []
        for line in headerText.components(separatedBy: "\r\n") {
            if let first = line.first, first == " " || first == "\t", !out.isEmpty {
                out[out.count - 1].1 += line
            } else if let colon = line.firstIndex(of: ":") {
                out.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
        return out
    }

    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    func all(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }

    /// The address inside `<…>` of a header such as Return-Path or Message-ID.
    func angle(_ name: String) -> String? {
        guard let v = header(name), let a = v.firstIndex(of: "<"), let b = v.lastIndex(of: ">"), a < b else { return nil }
        return String(v[v.index(after: a)..<b])
    }

    var subject: String? { header("Subject").map(decodeEncodedWords) }

    /// The decoded bodies of the parts of a multipart message, by content type.
    var parts: [(contentType: String, body: String)] {
        guard let ct = header("Content-Type"), let r = ct.range(of: "boundary=\"") else { return [] }
        let boundary = String(ct[r.upperBound...].prefix(while: { $0 != "\"" }))
        let t = text
        var out: [(String, String)] = []
        for chunk in t.components(separatedBy: "--\(boundary)").dropFirst() where !chunk.hasPrefix("--") {
            guard let split = chunk.range(of: "\r\n\r\n") else { continue }
            let head = DeliveredMail(bytes: Array(chunk[..<split.lowerBound].drop(while: { $0 == "\r" || $0 == "\n" }).utf8) + [13, 10, 13, 10])
            var body = String(chunk[split.upperBound...])
            if head.header("Content-Transfer-Encoding")?.lowercased() == "base64" {
                let joined = body.components(separatedBy: .whitespacesAndNewlines).joined()
                body = Data(base64Encoded: joined).map { String(decoding: $0, as: UTF8.self) } ?? "<bad base64>"
            }
            out.append((head.header("Content-Type") ?? "", body))
        }
        return out
    }

    func part(_ type: String) -> String? { parts.first { $0.contentType.lowercased().hasPrefix(type) }?.body }
}

/// RFC 2047 decoding of `=?UTF-8?B?…?=` and `=?UTF-8?Q?…?=` words (whitespace between words dropped).
func decodeEncodedWords(_ value: String) -> String {
    let pattern = try! NSRegularExpression(pattern: #"=\?([^?]+)\?([BbQq])\?([^?]*)\?="#)
    let ns = value as NSString
    var out = "", last = 0, lastWasWord = false
    for m in pattern.matches(in: value, range: NSRange(location: 0, length: ns.length)) {
        let between = ns.substring(with: NSRange(location: last, length: m.range.location - last))
        if !(lastWasWord && between.allSatisfy({ $0 == " " || $0 == "\t" })) { out += between }
        let enc = ns.substring(with: m.range(at: 2)).uppercased(), payload = ns.substring(with: m.range(at: 3))
        if enc == "B" {
            out += Data(base64Encoded: payload).map { String(decoding: $0, as: UTF8.self) } ?? payload
        } else {
            var bytes: [UInt8] = [], u = Array(payload.utf8), i = 0
            while i < u.count {
                if u[i] == UInt8(ascii: "_") { bytes.append(32); i += 1 }
                else if u[i] == UInt8(ascii: "="), i + 2 < u.count, let b = UInt8(String(decoding: u[i + 1...i + 2], as: UTF8.self), radix: 16) { bytes.append(b); i += 3 }
                else { bytes.append(u[i]); i += 1 }
            }
            out += String(decoding: bytes, as: UTF8.self)
        }
        last = m.range.location + m.range.length
        lastWasWord = true
    }
    out += ns.substring(from: last)
    return out
}

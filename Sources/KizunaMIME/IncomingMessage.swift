import Foundation
import KizunaCore

/// Bounds that keep a hostile or broken message from costing unbounded time or memory.
public struct ParseLimits: Sendable, Hashable {
    /// Header bytes kept per message or part; Postfix's default `header_size_limit`.
    public var maxHeaderBytes: Int
    /// Leaf parts kept; later ones are dropped with a defect.
    public var maxParts: Int
    /// Multipart nesting followed; deeper multiparts are kept as opaque parts.
    public var maxDepth: Int
    /// Bytes of text decoded for `textBody` (all parts together) and per `IncomingPart.text`.
    public var maxDecodedText: Int

    public init(maxHeaderBytes: Int = 102_400, maxParts: Int = 256, maxDepth: Int = 16, maxDecodedText: Int = 1_048_576) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxParts = maxParts
        self.maxDepth = maxDepth
        self.maxDecodedText = maxDecodedText
    }

    public static let `default` = ParseLimits()
}

/// Why bytes could not be read as a message at all.
public struct MIMEParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No bytes.
        case empty
        /// Not one header field before the first line that cannot belong to a header.
        case noHeader
    }

    public let code: Code
    public let detail: String

    public var description: String { detail }
}

/// A received message (RFC 5322 + MIME), read best-effort: what could not be read exactly is
/// listed in `defects` instead of failing the whole message.
public struct IncomingMessage: Sendable {
    public let headers: IncomingHeaders
    /// The Subject with encoded-words decoded.
    public let subject: String?
    /// The first mailbox of From.
    public let from: Mailbox?
    public let replyTo: [Mailbox]
    public let to: [Mailbox]
    public let cc: [Mailbox]
    public let returnPath: ReturnPath?
    /// Message-ID without its angle brackets.
    public let messageID: String?
    public let inReplyTo: [String]
    public let references: [String]
    public let date: Date?
    /// The top-level Content-Type (text/plain when missing or unreadable).
    public let contentType: ContentType
    /// Every leaf part in order, transfer-decoded; multipart containers are not listed.
    public let parts: [IncomingPart]
    /// The best human-readable text: the plain alternative, else HTML reduced to text; LF
    /// line breaks, format=flowed unwrapped; attachments skipped.
    public let textBody: String?
    /// What was wrong with the message and how it was read anyway.
    public let defects: [String]

    /// The first value of a header field, raw (no RFC 2047 decoding).
    public func header(_ name: String) -> String? { headers.value(name) }
    /// Every value of a header field, in order, raw.
    public func headerValues(_ name: String) -> [String] { headers.values(name) }
    /// The first value of a header field with RFC 2047 encoded-words decoded.
    public func decodedHeader(_ name: String) -> String? { headers.decodedValue(name) }

    /// Reads a message. Throws only when the bytes hold no header at all; anything else that
    /// is wrong becomes a defect.
    public static func parse(_ bytes: [UInt8], limits: ParseLimits = .default) throws(MIMEParseError) -> IncomingMessage {
        guard !bytes.isEmpty else { throw MIMEParseError(code: .empty, detail: "the message is empty") }
        let result: IncomingMessage? = bytes.withUnsafeBufferPointer { buf in
            var defects: [String] = []
            var start = 0
            // An mbox "From " line before the header.
            if buf.count >= 5, buf[0] == 0x46, buf[1] == 0x72, buf[2] == 0x6F, buf[3] == 0x6D, buf[4] == 0x20 {
                start = IncomingHeaders.nextLine(buf, from: 0)
                defects.append("mbox From_ line before the header skipped")
            }
            let block = IncomingHeaders.parseBlock(buf, range: start..<buf.count, maxBytes: limits.maxHeaderBytes, defects: &defects)
            guard !block.headers.fields.isEmpty else { return nil }
            var builder = PartTreeBuilder(buf: buf, limits: limits, defects: defects)
            let root = builder.entity(headers: block.headers, body: block.bodyStart..<buf.count,
                                      defaultType: .textPlain, section: [], depth: 0)
            var budget = limits.maxDecodedText
            let text = builder.bestText(root, budget: &budget)?.text
            return IncomingMessage(headers: block.headers, parts: builder.parts, textBody: text,
                                   rootType: builder.rootType ?? .textPlain, defects: builder.defects)
        }
        guard let result else {
            throw MIMEParseError(code: .noHeader, detail: "no header field before the first line that is not one")
        }
        return result
    }

    private init(headers: IncomingHeaders, parts: [IncomingPart], textBody: String?, rootType: ContentType, defects: [String]) {
        var defects = defects
        self.headers = headers
        self.parts = parts
        self.textBody = textBody
        self.contentType = rootType
        subject = headers.decodedValue("Subject")

        func mailboxes(_ name: String) -> [Mailbox] {
            var result: [Mailbox] = []
            for field in headers.all(name) {
                let parsed = IncomingAddressList.parse(field.value)
                result += parsed.mailboxes
                for bad in parsed.unreadable { defects.append("\(name): cannot read address \"\(bad.prefix(80))\"") }
            }
            return result
        }
        from = mailboxes("From").first
        replyTo = mailboxes("Reply-To")
        to = mailboxes("To")
        cc = mailboxes("Cc")
        if let rp = headers.value("Return-Path") {
            returnPath = IncomingAddressList.parseReturnPath(rp)
            if returnPath == nil { defects.append("Return-Path: cannot read \"\(rp.prefix(80))\"") }
        } else {
            returnPath = nil
        }
        messageID = headers.value("Message-ID").flatMap { IncomingMessageIDs.parse($0).first }
        inReplyTo = headers.value("In-Reply-To").map(IncomingMessageIDs.parse) ?? []
        references = headers.values("References").flatMap(IncomingMessageIDs.parse)
        if let d = headers.value("Date") {
            date = IncomingDate.parse(d)
            if date == nil { defects.append("Date: cannot read \"\(d.prefix(80))\"") }
        } else {
            date = nil
        }
        self.defects = defects
    }
}

/// One leaf body part: its header, type, and body with the transfer encoding undone.
public struct IncomingPart: Sendable {
    /// IMAP-style section number: `[1]` for a single-part message, `[2, 1]` for the first part
    /// of the second part.
    public let section: [Int]
    public let headers: IncomingHeaders
    public let contentType: ContentType
    public let disposition: ContentDisposition?
    /// Lower-cased Content-Transfer-Encoding, `7bit` when absent.
    public let transferEncoding: String
    /// The body bytes after base64 or quoted-printable decoding (charset not applied).
    public let body: [UInt8]

    /// The file name from Content-Disposition, else the Content-Type `name`.
    public var filename: String? { disposition?.filename ?? contentType.parameters["name"] }

    /// True for parts meant as files rather than as the message text.
    public var isAttachment: Bool {
        if let d = disposition { return d.isAttachment }
        // No disposition but a file name: phones and webmail attach files this way.
        return filename != nil
    }

    /// The body as text (text/* parts only): charset applied, LF line breaks, format=flowed
    /// unwrapped; at most `maxBytes` of the body are decoded.
    public func text(maxBytes: Int = ParseLimits.default.maxDecodedText) -> String? {
        decodeText(maxBytes: maxBytes)?.text
    }

    /// Parses the enclosed message of a `message/rfc822` (or `message/global`) part.
    public func attachedMessage(limits: ParseLimits = .default) throws(MIMEParseError) -> IncomingMessage {
        try IncomingMessage.parse(body, limits: limits)
    }

    func decodeText(maxBytes: Int) -> (text: String, defects: [String])? {
        guard contentType.type == "text" else { return nil }
        var defects: [String] = []
        var bytes = body[...]
        if bytes.count > maxBytes {
            bytes = bytes.prefix(max(0, maxBytes))
            defects.append("text of part \(sectionName) truncated at \(maxBytes) bytes")
        }
        var label = contentType.charset
        if label == nil && contentType.subtype == "html" { label = IncomingHTMLText.declaredCharset(bytes) }
        let decoded = IncomingCharset.decode(bytes, label: label)
        if let d = decoded.defect { defects.append("part \(sectionName): \(d)") }
        var text = IncomingPart.normalizeLineBreaks(decoded.text)
        if contentType.subtype == "plain", contentType.parameters["format"]?.lowercased() == "flowed" {
            text = IncomingFlowedText.unwrap(text, deleteSpace: contentType.parameters["delsp"]?.lowercased() == "yes")
        }
        return (text, defects)
    }

    var sectionName: String { section.map(String.init).joined(separator: ".") }

    /// CRLF and bare CR become LF. Works on the UTF-8 bytes: CR and LF never occur inside a
    /// multi-byte sequence.
    static func normalizeLineBreaks(_ s: String) -> String {
        guard s.utf8.contains(0x0D) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var previousCR = false
        for b in s.utf8 {
            if b == 0x0D { out.append(0x0A); previousCR = true; continue }
            if b == 0x0A && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Walks the MIME structure over the message bytes, collecting leaf parts and the tree shape
/// needed to choose the text body.
struct PartTreeBuilder {
    indirect enum Node {
        case leaf(Int)
        case multipart(subtype: String, children: [Node])
        case dropped
    }

    let buf: UnsafeBufferPointer<UInt8>
    let limits: ParseLimits
    var defects: [String]
    var parts: [IncomingPart] = []
    var rootType: ContentType?
    private var partLimitReported = false

    init(buf: UnsafeBufferPointer<UInt8>, limits: ParseLimits, defects: [String]) {
        self.buf = buf
        self.limits = limits
        self.defects = defects
    }

    mutating func entity(headers: IncomingHeaders, body: Range<Int>, defaultType: ContentType, section: [Int], depth: Int) -> Node {
        var type = defaultType
        if let raw = headers.value("Content-Type") {
            if let parsed = ContentType(parsing: raw) { type = parsed } else {
                defects.append("unreadable Content-Type \"\(raw.prefix(80))\"; read as text/plain")
                type = .textPlain
            }
        }
        if rootType == nil { rootType = type }
        if type.type == "multipart" {
            if depth >= limits.maxDepth {
                defects.append("multipart nested deeper than \(limits.maxDepth); kept as one part")
                return leaf(headers: headers, body: body, type: ContentType(type: "application", subtype: "octet-stream"), section: section)
            }
            guard let boundary = type.parameters["boundary"], !boundary.isEmpty else {
                defects.append("multipart without a boundary; read as text")
                return leaf(headers: headers, body: body, type: .textPlain, section: section)
            }
            let split = splitMultipart(body, boundary: Array(boundary.utf8))
            guard split.foundDelimiter else {
                defects.append("boundary \"\(boundary.prefix(70))\" never occurs; body read as text")
                return leaf(headers: headers, body: body, type: .textPlain, section: section)
            }
            if !split.closed { defects.append("multipart \(type.subtype) has no closing boundary") }
            let childDefault = type.subtype == "digest" ? ContentType.messageRFC822 : .textPlain
            var children: [Node] = []
            for (k, range) in split.parts.enumerated() {
                let block = IncomingHeaders.parseBlock(buf, range: range, maxBytes: limits.maxHeaderBytes, defects: &defects)
                children.append(entity(headers: block.headers, body: block.bodyStart..<range.upperBound,
                                       defaultType: childDefault, section: section + [k + 1], depth: depth + 1))
            }
            return .multipart(subtype: type.subtype, children: children)
        }
        return leaf(headers: headers, body: body, type: type, section: section.isEmpty ? [1] : section)
    }

    private mutating func leaf(headers: IncomingHeaders, body: Range<Int>, type: ContentType, section: [Int]) -> Node {
        guard parts.count < limits.maxParts else {
            if !partLimitReported { defects.append("more than \(limits.maxParts) parts; the rest are ignored") }
            partLimitReported = true
            return .dropped
        }
        let cte = (headers.value("Content-Transfer-Encoding") ?? "").trimmingBlanks().lowercased()
        let slice = ArraySlice(UnsafeBufferPointer(rebasing: buf[body]))
        let decoded = IncomingTransferEncoding.decode(slice, encoding: cte, defects: &defects)
        let disposition = headers.value("Content-Disposition").flatMap(ContentDisposition.init(parsing:))
        parts.append(IncomingPart(section: section, headers: headers, contentType: type, disposition: disposition,
                                  transferEncoding: cte.isEmpty ? "7bit" : cte, body: decoded))
        return .leaf(parts.count - 1)
    }

    /// The ranges between delimiter lines (`--boundary`, RFC 2046 §5.1.1). The line break
    /// before a delimiter belongs to it; preamble and epilogue are dropped.
    func splitMultipart(_ range: Range<Int>, boundary: [UInt8]) -> (parts: [Range<Int>], foundDelimiter: Bool, closed: Bool) {
        let delimiter: [UInt8] = [0x2D, 0x2D] + boundary
        var parts: [Range<Int>] = []
        var partStart: Int? = nil
        var found = false, closed = false
        var lineStart = range.lowerBound
        let end = range.upperBound
        delimiter.withUnsafeBufferPointer { d in
            while lineStart < end {
                let lineEnd = IncomingHeaders.lineEndIndex(buf, from: lineStart, end: end)
                let next = lineEnd < end ? lineEnd + 1 : end
                defer { lineStart = next }
                guard lineEnd - lineStart >= d.count, buf[lineStart] == 0x2D,
                      UnsafeBufferPointer(rebasing: buf[lineStart..<(lineStart + d.count)]).elementsEqual(d) else { continue }
                var q = lineStart + d.count
                let isClose = q + 1 < lineEnd && buf[q] == 0x2D && buf[q + 1] == 0x2D
                if isClose { q += 2 }
                // Only transport padding may follow; otherwise it is a longer boundary.
                guard buf[q..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
                found = true
                var contentEnd = lineStart
                if contentEnd > range.lowerBound && buf[contentEnd - 1] == 0x0A {
                    contentEnd -= 1
                    if contentEnd > range.lowerBound && buf[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                }
                if let s = partStart { parts.append(s..<max(s, contentEnd)) }
                if isClose { closed = true; partStart = nil; break }
                partStart = next
            }
        }
        if let s = partStart { parts.append(s..<end) }
        return (parts, found, closed)
    }

    /// The text a person wrote: in an alternative the plain version if it has any text, else
    /// the richest one that yields text; in a mixed multipart the inline text parts in order.
    mutating func bestText(_ node: Node, budget: inout Int) -> (text: String, isPlain: Bool)? {
        switch node {
        case .dropped:
            return nil
        case .leaf(let i):
            let part = parts[i]
            guard part.contentType.type == "text", !part.isAttachment,
                  part.contentType.subtype == "plain" || part.contentType.subtype == "html" else { return nil }
            guard let decoded = part.decodeText(maxBytes: max(0, budget)) else { return nil }
            budget -= min(part.body.count, budget)
            defects += decoded.defects
            if part.contentType.subtype == "html" { return (IncomingHTMLText.text(fromHTML: decoded.text), false) }
            return (decoded.text, true)
        case .multipart(let subtype, let children):
            switch subtype {
            case "alternative":
                var fallback: (text: String, isPlain: Bool)? = nil
                for child in children where isPlainCandidate(child) {
                    if let r = bestText(child, budget: &budget), r.isPlain, !r.text.trimmingBlanks().isEmpty { return r }
                }
                for child in children.reversed() where fallback == nil {
                    fallback = bestText(child, budget: &budget)
                }
                return fallback
            case "related", "report", "signed", "encrypted":
                // The root, the human-readable report, the signed content.
                return children.first.flatMap { bestText($0, budget: &budget) }
            default:
                var texts: [String] = []
                var allPlain = true
                for child in children {
                    guard let r = bestText(child, budget: &budget) else { continue }
                    texts.append(r.text)
                    allPlain = allPlain && r.isPlain
                }
                return texts.isEmpty ? nil : (texts.joined(separator: "\n"), allPlain)
            }
        }
    }

    private func isPlainCandidate(_ node: Node) -> Bool {
        switch node {
        case .leaf(let i): return parts[i].contentType.mimeType == "text/plain"
        case .multipart: return true
        case .dropped: return false
        }
    }
}

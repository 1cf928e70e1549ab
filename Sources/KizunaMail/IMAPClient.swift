import CCurl
import Foundation

/// How to reach the mailbox Kizuna reads (subscriptions, replies, bounces).
public struct IMAPSettings: Sendable {
    /// `imap://host:port` or `imaps://host:993`, without the mailbox.
    public var url: String
    public var starttls: StartTLSPolicy
    public var username: String
    public var password: String
    public var mailbox: String
    public var connectTimeout: Double
    public var responseTimeout: Int
    public var verifyPeer: Bool
    public var caFile: String?

    public init(url: String, starttls: StartTLSPolicy = .off, username: String, password: String,
                mailbox: String = "INBOX", connectTimeout: Double = 10, responseTimeout: Int = 60,
                verifyPeer: Bool = true, caFile: String? = nil) {
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.mailbox = mailbox
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.verifyPeer = verifyPeer
        self.caFile = caFile
    }
}

/// An IMAP command that failed.
public struct IMAPError: Error, CustomStringConvertible, Sendable {
    /// libcurl's error code (e.g. 67 login denied, 78 UIDVALIDITY mismatch), 0 for a reply we could not read.
    public let curlCode: Int
    public let message: String
    public var description: String { message }
}

/// The IMAP basics Kizuna needs, over libcurl: one easy handle, so one connection, reused
/// for every call. Searches and flags go as custom commands whose untagged replies arrive
/// at the write callback; message bodies come whole through the `;UID=n` URL form (which
/// sets \Seen: libcurl fetches BODY[], not BODY.PEEK[]).
public final class IMAPClient {
    public let settings: IMAPSettings
    private let easy: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    fileprivate var received: [UInt8] = []

    public init(settings: IMAPSettings) throws {
        Curl.ensureInitialized()
        let scheme = try Curl.scheme(of: settings.url)
        guard scheme == "imap" || scheme == "imaps" else {
            throw TransportConfigurationError("IMAP URL must start with imap:// or imaps://, not \(scheme)://")
        }
        guard let e = curl_easy_init() else { throw TransportConfigurationError("libcurl cannot create an easy handle") }
        self.settings = settings
        easy = e
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        try Curl.check(ccurl_setopt_long(e, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try Curl.check(ccurl_setopt_string(e, CURLOPT_USERNAME, settings.username), "USERNAME")
        try Curl.check(ccurl_setopt_string(e, CURLOPT_PASSWORD, settings.password), "PASSWORD")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(settings.connectTimeout * 1000))), "CONNECTTIMEOUT_MS")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, settings.responseTimeout)), "SERVER_RESPONSE_TIMEOUT")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_USE_SSL, settings.starttls.curlValue), "USE_SSL")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SSL_VERIFYPEER, settings.verifyPeer ? 1 : 0), "SSL_VERIFYPEER")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SSL_VERIFYHOST, settings.verifyPeer ? 2 : 0), "SSL_VERIFYHOST")
        if let ca = settings.caFile { try Curl.check(ccurl_setopt_string(e, CURLOPT_CAINFO, ca), "CAINFO") }
        try Curl.check(ccurl_setopt_write_callback(e, imapWrite), "WRITEFUNCTION")
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_WRITEDATA, me), "WRITEDATA")
    }

    deinit {
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    private var baseURL: String {
        var u = settings.url
        while u.hasSuffix("/") { u.removeLast() }
        return u
    }

    private var mailboxURL: String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";?#%")
        let m = settings.mailbox.addingPercentEncoding(withAllowedCharacters: allowed) ?? settings.mailbox
        return baseURL + "/" + m
    }

    /// The mailbox name as an IMAP quoted string.
    private var quotedMailbox: String {
        "\"" + settings.mailbox.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    @discardableResult
    private func perform(url: String, command: String?) throws -> [UInt8] {
        received.removeAll(keepingCapacity: true)
        errorBuffer[0] = 0
        try Curl.check(ccurl_setopt_string(easy, CURLOPT_URL, url), "URL")
        try Curl.check(ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, command), "CUSTOMREQUEST")
        let rc = curl_easy_perform(easy)
        guard rc == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw IMAPError(curlCode: Int(rc.rawValue),
                            message: "IMAP \(command ?? "FETCH \(url)") failed: curl error \(rc.rawValue): \(detail.isEmpty ? Curl.describe(rc) : detail)")
        }
        return received
    }

    /// Untagged reply lines (`* …`) of a custom command.
    private func untaggedLines(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" })
            .filter { $0.hasPrefix("* ") }
    }

    /// The mailbox's UIDVALIDITY (STATUS, so the mailbox is not selected read-only).
    public func uidValidity() throws -> UInt32 {
        let bytes = try perform(url: baseURL + "/", command: "STATUS \(quotedMailbox) (UIDVALIDITY)")
        for line in untaggedLines(bytes) where line.uppercased().hasPrefix("* STATUS") {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" })
            if let i = words.firstIndex(of: "UIDVALIDITY"), i + 1 < words.count, let v = UInt32(words[i + 1]) {
                return v
            }
        }
        throw IMAPError(curlCode: 0, message: "IMAP STATUS gave no UIDVALIDITY: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }

    /// The mailbox's UIDNEXT (STATUS): one above the highest UID it has given out.
    public func uidNext() throws -> UInt32 {
        let bytes = try perform(url: baseURL + "/", command: "STATUS \(quotedMailbox) (UIDNEXT)")
        for line in untaggedLines(bytes) where line.uppercased().hasPrefix("* STATUS") {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" })
            if let i = words.firstIndex(of: "UIDNEXT"), i + 1 < words.count, let v = UInt32(words[i + 1]) { return v }
        }
        throw IMAPError(curlCode: 0, message: "IMAP STATUS gave no UIDNEXT: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }

    /// UIDs per `UID SEARCH` range: libcurl truncates a reply line at 16 KB, so one `* SEARCH`
    /// line must stay below that (1,000 UIDs of up to 10 digits).
    static let searchRange: UInt32 = 1000

    /// UIDs ≥ `uidFrom` in the mailbox, ascending — searched in ranges below UIDNEXT.
    public func search(uidFrom: UInt32) throws -> [UInt32] {
        let next = try uidNext()
        var uids: [UInt32] = []
        var low = max(1, uidFrom)
        // One more range at the top: a message may arrive between STATUS and the searches.
        let top = next &+ Self.searchRange
        while low < top && low >= max(1, uidFrom) {
            let high = low &+ Self.searchRange &- 1
            let bytes = try perform(url: mailboxURL, command: "UID SEARCH UID \(low):\(high)")
            for line in untaggedLines(bytes) where line.uppercased().hasPrefix("* SEARCH") {
                for word in line.dropFirst("* SEARCH".count).split(separator: " ") {
                    if let uid = UInt32(word), uid >= low, uid <= high { uids.append(uid) }
                }
            }
            if high == UInt32.max { break }
            low = high &+ 1
        }
        return uids.sorted()
    }

    /// The whole message with UID `uid` (BODY[], which marks it \Seen).
    public func fetch(uid: UInt32) throws -> [UInt8] {
        try perform(url: "\(mailboxURL)/;UID=\(uid)", command: nil)
    }

    /// Adds flags (e.g. `\Seen`, `\Deleted`, `$Kizuna`) to message `uid`.
    public func store(uid: UInt32, addFlags flags: [String]) throws {
        guard !flags.isEmpty else { return }
        try perform(url: mailboxURL, command: "UID STORE \(uid) +FLAGS.SILENT (\(flags.joined(separator: " ")))")
    }

    /// An IMAP quoted string.
    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The server's hierarchy delimiter (`/` or `.`), from `LIST "" ""`; nil for a flat server.
    public func hierarchyDelimiter() throws -> String? {
        let bytes = try perform(url: baseURL + "/", command: "LIST \"\" \"\"")
        for line in untaggedLines(bytes) where line.uppercased().hasPrefix("* LIST") {
            let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
            if parts.count >= 3, parts[1].count == 1 { return String(parts[1]) }
            if line.uppercased().contains(" NIL ") { return nil }
        }
        return nil
    }

    /// Creates a mailbox (e.g. `Kizuna/Processed`); one that already exists is fine.
    public func createMailbox(_ name: String) throws {
        do {
            try perform(url: baseURL + "/", command: "CREATE \(quoted(name))")
        } catch let e as IMAPError {
            // "NO [ALREADYEXISTS]" arrives as a failed command; check that it really exists.
            let listing = try perform(url: baseURL + "/", command: "LIST \"\" \(quoted(name))")
            guard untaggedLines(listing).contains(where: { $0.uppercased().hasPrefix("* LIST") }) else { throw e }
        }
    }

    /// Moves message `uid` to `mailbox`: `UID MOVE` (RFC 6851), else `UID COPY` + `\Deleted` +
    /// `UID EXPUNGE` (RFC 4315), else COPY + `\Deleted` + EXPUNGE.
    public func move(uid: UInt32, to mailbox: String) throws { try move(uids: [uid], to: mailbox) }

    /// Moves several messages with one command (a UID set).
    public func move(uids: [UInt32], to mailbox: String) throws {
        guard !uids.isEmpty else { return }
        let set = Self.uidSet(uids)
        if (try? perform(url: mailboxURL, command: "UID MOVE \(set) \(quoted(mailbox))")) != nil { return }
        try perform(url: mailboxURL, command: "UID COPY \(set) \(quoted(mailbox))")
        try perform(url: mailboxURL, command: "UID STORE \(set) +FLAGS.SILENT (\\Deleted)")
        if (try? perform(url: mailboxURL, command: "UID EXPUNGE \(set)")) == nil {
            try perform(url: mailboxURL, command: "EXPUNGE")
        }
    }

    /// Adds flags to several messages with one command.
    public func store(uids: [UInt32], addFlags flags: [String]) throws {
        guard !uids.isEmpty, !flags.isEmpty else { return }
        try perform(url: mailboxURL, command: "UID STORE \(Self.uidSet(uids)) +FLAGS.SILENT (\(flags.joined(separator: " ")))")
    }

    /// `1:3,7,9:10` for [1, 2, 3, 7, 9, 10].
    static func uidSet(_ uids: [UInt32]) -> String {
        var parts: [String] = []
        var sorted = uids.sorted()[...]
        while let first = sorted.popFirst() {
            var last = first
            while let next = sorted.first, next == last + 1 { last = next; sorted.removeFirst() }
            parts.append(first == last ? "\(first)" : "\(first):\(last)")
        }
        return parts.joined(separator: ",")
    }

    /// The flags of message `uid`.
    public func flags(uid: UInt32) throws -> [String] {
        let bytes = try perform(url: mailboxURL, command: "UID FETCH \(uid) (FLAGS)")
        for line in untaggedLines(bytes) {
            guard let open = line.range(of: "FLAGS ("), let close = line[open.upperBound...].firstIndex(of: ")") else { continue }
            return line[open.upperBound..<close].split(separator: " ").map(String.init)
        }
        return []
    }
}

private let imapWrite: ccurl_data_callback = { buffer, size, nitems, userdata in
    let n = size * nitems
    guard let buffer, let userdata else { return n }
    let c = Unmanaged<IMAPClient>.fromOpaque(userdata).takeUnretainedValue()
    c.received.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: n))
    return n
}

import CCurl

/// libcurl's process-wide setup, done once before the first handle (thread-safe: a global
/// `let` initializes exactly once).
let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

enum Curl {
    static func ensureInitialized() { _ = curlGlobalInit }

    static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    /// Checks a setopt result: an option libcurl refuses is a configuration error.
    static func check(_ code: CURLcode, _ option: String) throws {
        guard code == CURLE_OK else {
            throw TransportConfigurationError("libcurl refused \(option): \(describe(code))")
        }
    }

    /// Parses `url` with libcurl's own URL parser and returns its scheme.
    static func scheme(of url: String) throws -> String {
        guard let u = curl_url() else { throw TransportConfigurationError("libcurl cannot allocate a URL handle") }
        defer { curl_url_cleanup(u) }
        let rc = curl_url_set(u, CURLUPART_URL, url, 0)
        guard rc == CURLUE_OK else {
            throw TransportConfigurationError("bad URL \"\(url)\": \(String(cString: curl_url_strerror(rc)))")
        }
        var part: UnsafeMutablePointer<CChar>?
        guard curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK, let p = part else {
            throw TransportConfigurationError("bad URL \"\(url)\": no scheme")
        }
        defer { curl_free(p) }
        return String(cString: p).lowercased()
    }
}

/// Collects the reply lines a protocol server sends (libcurl hands SMTP and IMAP response
/// lines to the header callback, one line per call) and keeps the last complete reply.
struct ReplyCollector {
    private var partial: [UInt8] = []
    private var current: [UInt8] = []
    /// The last complete reply as `code text`, continuation lines joined by a space.
    private(set) var last: [UInt8] = []
    private(set) var lastCode = 0

    init() {
        partial.reserveCapacity(256)
        current.reserveCapacity(256)
        last.reserveCapacity(256)
    }

    mutating func reset() {
        partial.removeAll(keepingCapacity: true)
        current.removeAll(keepingCapacity: true)
        last.removeAll(keepingCapacity: true)
        lastCode = 0
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 10 {
            partial.append(contentsOf: bytes[start..<i])
            line(partial)
            partial.removeAll(keepingCapacity: true)
            start = i + 1
        }
        if start < bytes.count { partial.append(contentsOf: bytes[start...]) }
    }

    private mutating func line(_ raw: [UInt8]) {
        var end = raw.count
        while end > 0 && (raw[end - 1] == 13 || raw[end - 1] == 10) { end -= 1 }
        guard end >= 3, raw[0] >= 48, raw[0] <= 57, raw[1] >= 48, raw[1] <= 57, raw[2] >= 48, raw[2] <= 57 else { return }
        let code = Int(raw[0] - 48) * 100 + Int(raw[1] - 48) * 10 + Int(raw[2] - 48)
        let continues = end > 3 && raw[3] == UInt8(ascii: "-")
        if current.isEmpty {
            current.append(contentsOf: raw[0..<3])
        }
        if end > 4 {
            current.append(32)
            current.append(contentsOf: raw[4..<end])
        }
        if !continues {
            // The server's answer to QUIT says nothing about the message.
            if code != 221 {
                swap(&last, &current)
                lastCode = code
            }
            current.removeAll(keepingCapacity: true)
        }
    }

    var lastText: String { String(decoding: last, as: UTF8.self) }
}

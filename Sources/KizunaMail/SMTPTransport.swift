import CCurl
@preconcurrency import Glibc
import Logging

/// Whether a plain-text connection upgrades to TLS with STARTTLS.
public enum StartTLSPolicy: String, Sendable {
    /// Upgrade or fail (`CURLUSESSL_ALL`).
    case required
    /// Upgrade when the server offers it (`CURLUSESSL_TRY`).
    case optional
    case off

    var curlValue: Int {
        switch self {
        case .required: return Int(CURLUSESSL_ALL.rawValue)
        case .optional: return Int(CURLUSESSL_TRY.rawValue)
        case .off: return Int(CURLUSESSL_NONE.rawValue)
        }
    }
}

/// How to reach the SMTP relay Kizuna submits to.
public struct SMTPSettings: Sendable {
    public typealias StartTLS = StartTLSPolicy

    /// `smtp://host:port` (plain or STARTTLS) or `smtps://host:465` (TLS from the start).
    public var url: String
    public var starttls: StartTLS
    public var username: String?
    /// Resolved by the caller (from the environment or a file), never read from a config file here.
    public var password: String?
    /// Parallel connections; each is reused for message after message.
    public var connections: Int
    /// Seconds to wait for a TCP (and TLS) connection.
    public var connectTimeout: Double
    /// Seconds to wait for any one server reply (`CURLOPT_SERVER_RESPONSE_TIMEOUT`).
    public var responseTimeout: Int
    public var verifyPeer: Bool
    public var caFile: String?
    /// The EHLO name; libcurl takes it from the URL's path.
    public var heloName: String?
    /// After this many connection attempts in a row fail without any server reply (refused,
    /// unresolvable, timed out), the rest of the run's messages are deferred without trying,
    /// so a dead relay costs seconds, not one connect timeout per message. 0 = always try.
    public var giveUpAfterConnectFailures: Int

    public init(url: String, starttls: StartTLS = .off, username: String? = nil, password: String? = nil,
                connections: Int = 1, connectTimeout: Double = 10, responseTimeout: Int = 60,
                verifyPeer: Bool = true, caFile: String? = nil, heloName: String? = nil,
                giveUpAfterConnectFailures: Int = 10) {
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.connections = connections
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.verifyPeer = verifyPeer
        self.caFile = caFile
        self.heloName = heloName
        self.giveUpAfterConnectFailures = giveUpAfterConnectFailures
    }
}

/// Submits messages over SMTP with libcurl: `connections` easy handles driven by one multi
/// handle on the calling thread, each re-added with the next message as soon as its last one
/// finished, so each connection carries message after message.
public final class SMTPTransport: MailTransport {
    public let settings: SMTPSettings
    private let logger: Logger

    public init(settings: SMTPSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The URL libcurl gets: the configured one with the EHLO name as its path.
    var effectiveURL: String {
        guard let helo = settings.heloName, !helo.isEmpty else { return settings.url }
        var base = settings.url
        if let schemeEnd = base.range(of: "://") {
            let rest = base[schemeEnd.upperBound...]
            if let slash = rest.firstIndex(of: "/") { base = String(base[..<slash]) }
        }
        return base + "/" + helo
    }

    public func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        Curl.ensureInitialized()
        let scheme = try Curl.scheme(of: settings.url)
        guard scheme == "smtp" || scheme == "smtps" else {
            throw TransportConfigurationError("SMTP URL must start with smtp:// or smtps://, not \(scheme)://")
        }
        guard settings.connections >= 1 else {
            throw TransportConfigurationError("SMTP connections must be at least 1, not \(settings.connections)")
        }
        if settings.starttls == .required && scheme == "smtps" {
            logger.debug("smtps:// already uses TLS from the start; starttls ignored")
        }

        guard let multi = curl_multi_init() else { throw TransportConfigurationError("libcurl cannot create a multi handle") }
        defer { curl_multi_cleanup(multi) }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, settings.connections)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.connections)

        var all: [SMTPConnection] = []
        defer {
            // Handles go before the multi (whose cleanup closes the pooled connections).
            for c in all { if c.inFlight { curl_multi_remove_handle(multi, c.easy) } }
            all.removeAll()
        }
        for _ in 0..<settings.connections {
            all.append(try SMTPConnection(settings: settings, url: effectiveURL))
        }

        var idle = all
        var inFlight = 0
        var exhausted = false
        var consecutiveConnectFailures = 0
        var givenUp: String?

        // Hands each idle connection its next message; returns whether it started any.
        func fill() throws -> Bool {
            var started = false
            while !exhausted, !idle.isEmpty {
                guard let message = next() else { exhausted = true; break }
                if let reason = givenUp {
                    onResult(message, .deferred(code: nil, reply: reason))
                    continue
                }
                let c = idle.removeLast()
                c.prepare(message)
                let rc = curl_multi_add_handle(multi, c.easy)
                guard rc == CURLM_OK else {
                    throw TransportConfigurationError("libcurl cannot add a transfer: \(String(cString: curl_multi_strerror(rc)))")
                }
                c.inFlight = true
                inFlight += 1
                started = true
            }
            return started
        }

        _ = try fill()
        while inFlight > 0 {
            var running: Int32 = 0
            let prc = curl_multi_perform(multi, &running)
            if prc != CURLM_OK {
                throw TransportConfigurationError("libcurl multi error: \(String(cString: curl_multi_strerror(prc)))")
            }
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard ccurl_msg_is_done(msg) != 0, let easy = msg.pointee.easy_handle,
                      let c = all.first(where: { $0.easy == easy }) else { continue }
                let result = ccurl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                c.inFlight = false
                inFlight -= 1
                let (message, outcome, connectFailure) = c.finish(result)
                idle.append(c)
                if connectFailure {
                    consecutiveConnectFailures += 1
                    let limit = settings.giveUpAfterConnectFailures
                    if limit > 0 && consecutiveConnectFailures >= limit && givenUp == nil {
                        let reason: String
                        if case .deferred(_, let r, _) = outcome { reason = r } else { reason = "connection failed" }
                        givenUp = "not tried: \(limit) connection attempts in a row failed (last: \(reason))"
                        logger.error("SMTP relay unreachable; deferring the rest of this run without trying",
                                     metadata: ["smtp.url": "\(settings.url)", "smtp.error": "\(reason)"])
                    }
                } else {
                    consecutiveConnectFailures = 0
                }
                log(message, outcome)
                onResult(message, outcome)
            }
            if try fill() { continue }
            if inFlight > 0 {
                _ = curl_multi_poll(multi, nil, 0, 1000, nil)
            }
        }
    }

    private func log(_ m: OutboundMessage, _ outcome: SendOutcome) {
        switch outcome {
        case .accepted:
            break
        case .deferred(let code, let reply, _):
            logger.info("SMTP deferred", metadata: ["delivery.id": "\(m.id)", "smtp.code": "\(code.map(String.init) ?? "-")", "smtp.reply": "\(reply)"])
        case .rejected(let code, let reply):
            logger.info("SMTP rejected", metadata: ["delivery.id": "\(m.id)", "smtp.code": "\(code)", "smtp.reply": "\(reply)"])
        }
    }
}

/// One easy handle with what it needs across messages: its recipient list node, error
/// buffer and reply collector are allocated once and reused.
final class SMTPConnection {
    let easy: UnsafeMutableRawPointer
    var inFlight = false
    private var message: OutboundMessage?
    private var readOffset = 0
    private var uploadStarted = false
    fileprivate var replies = ReplyCollector()
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let rcptNode: UnsafeMutablePointer<curl_slist>
    private var rcptBuffer: UnsafeMutablePointer<CChar>
    private var rcptCapacity = 512

    init(settings: SMTPSettings, url: String) throws {
        guard let e = curl_easy_init() else { throw TransportConfigurationError("libcurl cannot create an easy handle") }
        easy = e
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        rcptBuffer = .allocate(capacity: rcptCapacity)
        rcptBuffer.initialize(repeating: 0, count: rcptCapacity)
        rcptNode = .allocate(capacity: 1)
        rcptNode.initialize(to: curl_slist(data: rcptBuffer, next: nil))

        let me = Unmanaged.passUnretained(self).toOpaque()
        try Curl.check(ccurl_setopt_string(e, CURLOPT_URL, url), "URL")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_UPLOAD, 1), "UPLOAD")
        try settings.applyConnectionOptions(to: e)
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        // A server that stops reading our data mid-message: give up after the same patience.
        try Curl.check(ccurl_setopt_long(e, CURLOPT_LOW_SPEED_LIMIT, 1), "LOW_SPEED_LIMIT")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_LOW_SPEED_TIME, max(1, settings.responseTimeout)), "LOW_SPEED_TIME")
        try Curl.check(ccurl_setopt_slist(e, CURLOPT_MAIL_RCPT, rcptNode), "MAIL_RCPT")
        // A refused RCPT then ends the transfer as a failed RCPT (error 55) instead of curl
        // treating it as a protocol breakdown mid-command.
        try Curl.check(ccurl_setopt_long(e, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1), "MAIL_RCPT_ALLLOWFAILS")
        try Curl.check(ccurl_setopt_read_callback(e, smtpRead), "READFUNCTION")
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_READDATA, me), "READDATA")
        try Curl.check(ccurl_setopt_header_callback(e, smtpReply), "HEADERFUNCTION")
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_HEADERDATA, me), "HEADERDATA")
    }

    deinit {
        curl_easy_cleanup(easy)
        rcptNode.deallocate()
        rcptBuffer.deallocate()
        errorBuffer.deallocate()
    }

    func prepare(_ m: OutboundMessage) {
        let need = m.rcptTo.utf8.count + 1
        if need > rcptCapacity {
            rcptBuffer.deallocate()
            rcptCapacity = need * 2
            rcptBuffer = .allocate(capacity: rcptCapacity)
            rcptNode.pointee.data = rcptBuffer
        }
        m.rcptTo.withCString { _ = strcpy(rcptBuffer, $0) }
        _ = ccurl_setopt_string(easy, CURLOPT_MAIL_FROM, m.mailFrom)
        _ = ccurl_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(m.data.count))
        errorBuffer[0] = 0
        replies.reset()
        readOffset = 0
        uploadStarted = false
        message = m
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        guard let m = message else { return 0 }
        uploadStarted = true
        let n = min(max, m.data.count - readOffset)
        if n > 0 {
            m.data.withUnsafeBytes { src in
                UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress! + readOffset, byteCount: n)
            }
            readOffset += n
        }
        return n
    }

    /// Maps the finished transfer to an outcome; also says whether it failed before any
    /// server reply (a connection failure).
    func finish(_ rc: CURLcode) -> (OutboundMessage, SendOutcome, connectFailure: Bool) {
        let m = message!
        message = nil
        var code = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        let localError: String = {
            let buf = String(cString: errorBuffer)
            return "curl error \(rc.rawValue): " + (buf.isEmpty ? Curl.describe(rc) : buf)
        }()
        // The reply text belongs to the code curl reports; otherwise fall back to curl's words.
        let replyText = (replies.lastCode == code && code != 0) ? replies.lastText : "\(code) \(localError)"

        if rc == CURLE_OK {
            return (m, .accepted(code: code == 0 ? 250 : code, reply: replyText), false)
        }
        let perMessageFailure = rc == CURLE_SEND_ERROR || (rc == CURLE_WEIRD_SERVER_REPLY && uploadStarted)
        if code >= 500 && code < 600 && perMessageFailure {
            return (m, .rejected(code: code, reply: replyText), false)
        }
        if code >= 400 && code < 600 {
            // Includes a 5xx greeting or AUTH failure: the relay's problem, not this message's.
            // curl names the refused command in its error text ("RCPT failed: 450").
            let rcptRefused = rc == CURLE_SEND_ERROR && String(cString: errorBuffer).hasPrefix("RCPT")
            let dataRefused = rc == CURLE_WEIRD_SERVER_REPLY && uploadStarted
            let forRecipient = code < 500 && code != 421 && (rcptRefused || dataRefused)
            return (m, .deferred(code: code, reply: replyText, forRecipient: forRecipient), false)
        }
        let noServerReply = replies.lastCode == 0
        let connectFailure = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
            || (noServerReply && (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR))
        return (m, .deferred(code: nil, reply: localError), connectFailure)
    }
}

private let smtpRead: ccurl_data_callback = { buffer, size, nitems, userdata in
    guard let buffer, let userdata else { return 0 }
    let c = Unmanaged<SMTPConnection>.fromOpaque(userdata).takeUnretainedValue()
    return c.read(into: buffer, max: size * nitems)
}

private let smtpReply: ccurl_data_callback = { buffer, size, nitems, userdata in
    let n = size * nitems
    guard let buffer, let userdata else { return n }
    let c = Unmanaged<SMTPConnection>.fromOpaque(userdata).takeUnretainedValue()
    c.replies.feed(UnsafeRawBufferPointer(start: buffer, count: n))
    return n
}

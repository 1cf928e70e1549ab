import CCurl

extension SMTPSettings {
    /// The connection options every SMTP handle gets (timeouts, STARTTLS, certificate checks,
    /// AUTH): shared by the transport and the probe, so `kizuna doctor` tests what a night uses.
    func applyConnectionOptions(to e: UnsafeMutableRawPointer) throws {
        try Curl.check(ccurl_setopt_long(e, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connectTimeout * 1000))), "CONNECTTIMEOUT_MS")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, responseTimeout)), "SERVER_RESPONSE_TIMEOUT")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_USE_SSL, starttls.curlValue), "USE_SSL")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SSL_VERIFYPEER, verifyPeer ? 1 : 0), "SSL_VERIFYPEER")
        try Curl.check(ccurl_setopt_long(e, CURLOPT_SSL_VERIFYHOST, verifyPeer ? 2 : 0), "SSL_VERIFYHOST")
        if let ca = caFile { try Curl.check(ccurl_setopt_string(e, CURLOPT_CAINFO, ca), "CAINFO") }
        if let u = username { try Curl.check(ccurl_setopt_string(e, CURLOPT_USERNAME, u), "USERNAME") }
        if let p = password { try Curl.check(ccurl_setopt_string(e, CURLOPT_PASSWORD, p), "PASSWORD") }
    }
}

/// Why a relay probe failed, in the terms an operator acts on.
public enum SMTPProbeProblem: String, Sendable {
    case unreachable, tls, certificate, authentication, refused, other
}

/// A failed relay probe: what went wrong and curl's words for it.
public struct SMTPProbeError: Error, CustomStringConvertible, Sendable {
    public let problem: SMTPProbeProblem
    public let curlCode: Int
    public let message: String
    public var description: String { message }
}

extension SMTPTransport {
    /// Connects to the relay as a night would (EHLO, STARTTLS with its certificate checked,
    /// AUTH when a username is set) and sends only `NOOP`: no MAIL, so no mail is sent.
    public func probe() throws {
        Curl.ensureInitialized()
        let scheme = try Curl.scheme(of: settings.url)
        guard scheme == "smtp" || scheme == "smtps" else {
            throw TransportConfigurationError("SMTP URL must start with smtp:// or smtps://, not \(scheme)://")
        }
        guard let e = curl_easy_init() else { throw TransportConfigurationError("libcurl cannot create an easy handle") }
        defer { curl_easy_cleanup(e) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        try Curl.check(ccurl_setopt_string(e, CURLOPT_URL, effectiveURL), "URL")
        try Curl.check(ccurl_setopt_pointer(e, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try settings.applyConnectionOptions(to: e)
        // Without MAIL_RCPT or an upload, libcurl sends this one command after EHLO/STARTTLS/AUTH.
        try Curl.check(ccurl_setopt_string(e, CURLOPT_CUSTOMREQUEST, "NOOP"), "CUSTOMREQUEST")
        try Curl.check(ccurl_setopt_write_callback(e, { _, size, n, _ in size * n }), "WRITEFUNCTION")
        let rc = curl_easy_perform(e)
        guard rc != CURLE_OK else { return }
        let detail = String(cString: errorBuffer)
        let problem: SMTPProbeProblem
        switch rc {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_RECV_ERROR: problem = .unreachable
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: problem = .certificate
        case CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR: problem = .tls
        case CURLE_LOGIN_DENIED: problem = .authentication
        case CURLE_WEIRD_SERVER_REPLY: problem = .refused
        default: problem = .other
        }
        throw SMTPProbeError(problem: problem, curlCode: Int(rc.rawValue),
                             message: "curl error \(rc.rawValue): \(detail.isEmpty ? Curl.describe(rc) : detail)")
    }
}

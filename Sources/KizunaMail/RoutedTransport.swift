import Foundation

/// Sends each message through the relay of its edition: editions with a relay of their own
/// each have a route, every other message (no edition, or an edition without one) takes the
/// instance's. Each route runs its transport on a thread of its own, fed through a small
/// bounded queue, so a dead or slow relay holds up only its own messages and memory stays flat;
/// `onResult` is still called on the calling thread only, as `MailTransport` promises.
///
/// A route whose transport throws (it cannot work as configured) defers the rest of its
/// messages with the reason, and the run goes on for the other routes.
public final class RoutedTransport: MailTransport {
    /// The instance's relay.
    public let shared: MailTransport
    /// Edition id → its own relay.
    public let own: [String: MailTransport]
    let queueCapacity: Int

    public init(shared: MailTransport, own: [String: MailTransport], queueCapacity: Int = 256) {
        self.shared = shared
        self.own = own
        self.queueCapacity = max(1, queueCapacity)
    }

    /// The route a message takes: its edition's when that edition has its own relay, else nil (the instance's).
    public func route(of message: OutboundMessage) -> String? {
        guard let e = message.edition, own[e] != nil else { return nil }
        return e
    }

    public func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        // With one relay for everything nothing needs routing: the transport runs as it always did.
        guard !own.isEmpty else { return try shared.deliver(next: next, onResult: onResult) }
        let routes: [String?] = [nil] + own.keys.sorted().map(Optional.some)
        let exchange = Exchange(routes: routes, capacity: queueCapacity)
        var threads: [Thread] = []
        for key in routes {
            let transport = UncheckedTransport(key.flatMap { own[$0] } ?? shared)
            let thread = Thread { exchange.run(transport.value, route: key) }
            thread.stackSize = 4 << 20
            threads.append(thread)
            thread.start()
        }
        var exhausted = false
        while true {
            for (m, outcome) in exchange.takeResults() { onResult(m, outcome) }
            if !exhausted {
                guard let m = next() else { exhausted = true; exchange.close(); continue }
                exchange.put(m, route: route(of: m))
            } else if !exchange.waitForResultsOrEnd() {
                break
            }
        }
        for (m, outcome) in exchange.takeResults() { onResult(m, outcome) }
    }

    /// A transport handed to its route's thread (used there only, while `deliver` waits for it).
    struct UncheckedTransport: @unchecked Sendable {
        let value: MailTransport
        init(_ value: MailTransport) { self.value = value }
    }

    /// The queues between the calling thread and the routes' threads, under one lock.
    final class Exchange: @unchecked Sendable {
        private let condition = NSCondition()
        private var queues: [String?: [OutboundMessage]] = [:]
        /// Routes whose transport stopped (returned or threw): nothing more is queued for them.
        private var stopped: [String?: String] = [:]
        private var results: [(OutboundMessage, SendOutcome)] = []
        private var closed = false
        private var running: Int
        let capacity: Int

        init(routes: [String?], capacity: Int) {
            for r in routes { queues[r] = [] }
            running = routes.count
            self.capacity = capacity
        }

        /// A route's thread: its transport pulls from the route's queue until it is closed and empty.
        func run(_ transport: MailTransport, route: String?) {
            do {
                try transport.deliver(next: { self.take(route: route) }, onResult: { self.report($0, $1) })
                finish(route: route, reason: nil)
            } catch {
                finish(route: route, reason: "the relay cannot be used: \(error)")
            }
        }

        private func take(route: String?) -> OutboundMessage? {
            condition.lock()
            defer { condition.unlock() }
            while queues[route]!.isEmpty && !closed { condition.wait() }
            guard !queues[route]!.isEmpty else { return nil }
            let m = queues[route]!.removeFirst()
            condition.broadcast()
            return m
        }

        private func report(_ m: OutboundMessage, _ outcome: SendOutcome) {
            condition.lock()
            results.append((m, outcome))
            condition.broadcast()
            condition.unlock()
        }

        /// A route's transport is done: what is still queued for it is deferred (it was never tried).
        private func finish(route: String?, reason: String?) {
            condition.lock()
            let why = reason ?? "not tried: the relay stopped before it"
            stopped[route] = why
            for m in queues[route]! { results.append((m, .deferred(code: nil, reply: why))) }
            queues[route] = []
            running -= 1
            condition.broadcast()
            condition.unlock()
        }

        /// Queues a message for its route, waiting while the route's queue is full.
        func put(_ m: OutboundMessage, route: String?) {
            condition.lock()
            defer { condition.unlock() }
            while stopped[route] == nil && queues[route]!.count >= capacity { condition.wait() }
            if let why = stopped[route] {
                results.append((m, .deferred(code: nil, reply: why)))
            } else {
                queues[route]!.append(m)
            }
            condition.broadcast()
        }

        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }

        func takeResults() -> [(OutboundMessage, SendOutcome)] {
            condition.lock()
            defer { condition.unlock() }
            let out = results
            results = []
            return out
        }

        /// Waits until there are results to hand on; false when every route has finished and none are left.
        func waitForResultsOrEnd() -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while results.isEmpty && running > 0 { condition.wait() }
            return !results.isEmpty
        }
    }
}

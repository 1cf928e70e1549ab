/// Replies to a confirmation request: the double opt-in of a pending address, and the
/// confirmation of a command held because its message failed authentication.
extension Lifecycle.Machine {
    mutating func confirmation(_ decoded: ConfirmationToken.Decoded) {
        guard var s = state.subscriber else {
            record(.confirmationRefused, "the address has no subscription; token \(decoded)")
            if case .valid = decoded { reply(.confirmationForAnotherAddress) }
            return
        }
        switch decoded {
        case .valid(let id) where id != s.id, .expired(let id) where id != s.id:
            record(.confirmationRefused, "token for subscriber \(id), sender is subscriber \(s.id.map(String.init) ?? "new")")
            reply(.confirmationForAnotherAddress)
        case .valid(let id):
            switch s.status {
            case .pending:
                s.status = .active
                state.subscriber = s
                actions.append(.activate)
                record(.confirmed, "subscriber \(id) confirmed by reply")
                _ = send(.sendWelcome(withTodaysMessage: true), "welcome")
            case .stopped:
                record(.confirmationIgnored, "subscriber \(id) has stopped; a new subscribe needs a new confirmation")
            case .active, .paused, .bouncing:
                if let held = s.held {
                    confirmHeld(held)
                } else {
                    record(.confirmationReplayed, "subscriber \(id) is already confirmed")
                }
            }
        case .expired(let id):
            if let held = s.held, s.status != .pending, s.status != .stopped {
                release()
                record(.heldCommandExpired, "\(held.command.name) held on \(held.day.iso): the confirmation came too late")
            } else if s.status == .pending {
                record(.confirmationExpired, "subscriber \(id)")
                requestConfirmation(previousExpired: true)
            } else {
                record(.confirmationReplayed, "expired token for subscriber \(id), status \(s.status.rawValue)")
            }
        case .forged, .none:
            record(.confirmationRefused, "token \(decoded == .forged ? "forged" : "unreadable")")
            if s.status == .pending { requestConfirmation() }
        }
    }

    /// The parent confirmed a held command by replying: carry it out now, as of today.
    mutating func confirmHeld(_ held: HeldCommand) {
        release()
        guard !held.isExpired(today: today) else {
            record(.heldCommandExpired, "\(held.command.name) held on \(held.day.iso): the confirmation came too late")
            return
        }
        record(.heldCommandConfirmed, "\(held.command.name) held on \(held.day.iso) (message \(held.messageID ?? "without Message-ID"))")
        fromSubscriber(held.command)
    }

    mutating func release() {
        guard state.subscriber?.held != nil else { return }
        state.subscriber?.held = nil
        actions.append(.releaseHeldCommand)
    }

    /// A command from a confirmed parent whose message failed authentication: kept, and the
    /// parent (the real owner of the address gets the mail) asked to confirm it.
    /// At most one confirmation request a day: while today's request is out, its command stays
    /// the one held (a reply confirms what the mail named), and a later one is only recorded.
    mutating func hold(_ command: MailCommand, failures: [String]) {
        let why = failures.joined(separator: ", ")
        if let current = state.subscriber?.held, current.day == today, state.subscriber?.lastConfirmationRequest == today {
            record(.commandNotHeld, "\(command.name): \(why); today's confirmation request asks about \(current.command.name) (one a day)")
            return
        }
        let held = HeldCommand(command: command, day: today, messageID: messageID)
        let replaced = state.subscriber?.held.map { "; replaces the \($0.command.name) held on \($0.day.iso)" } ?? ""
        state.subscriber?.held = held
        actions.append(.holdCommand(held))
        record(.commandHeld, "\(command.name): \(why); asking the parent to confirm\(replaced)")
        if send(.sendCommandConfirmationRequest(command), "command confirmation request") {
            state.subscriber?.lastConfirmationRequest = today
        }
    }
}

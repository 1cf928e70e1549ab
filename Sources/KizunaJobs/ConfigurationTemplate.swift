/// `kizuna.toml` as `kizuna init` writes it: every table with its defaults, commented, so that
/// a fresh instance needs nothing else (the Maildir transport until an [smtp] table is added).
public enum ConfigurationTemplate {
    public static let text = """
    # kizuna.toml — one Kizuna instance. Paths are relative to this file.
    # Reference: README.md, "Configuration".

    database = "kizuna.sqlite"      # SQLite store (WAL mode)
    templates = "templates"         # messages, layouts, system messages, local info
    spool = "spool"                 # outgoing queue (Postfix-style directories)
    time_zone = "Asia/Tokyo"        # the day families live in
    catch_up_days = 2               # a missed night is caught up within this many days
    production = false              # true: no step sends unless every text families can get is reviewed (exit 78)

    # Without an [smtp] table, mail is delivered into the Maildir below (open it with `mutt -f outbox`).
    # [smtp]
    # url = "smtp://127.0.0.1:2525"          # or smtps://host:465
    # starttls = "required"                  # required | optional | off
    # username = "kizuna@clinic.example"
    # password_env = "KIZUNA_SMTP_PASSWORD"  # or password_file = "/etc/kizuna/smtp-password"
    # connections = 8
    # connect_timeout = 15                   # seconds
    # response_timeout = 60                  # seconds per server reply

    [maildir]
    path = "outbox"

    # Without an [imap] table, `kizuna poll` has nothing to read and `nightly` skips it.
    # [imap]                                 # the edition's mailbox: subscribe, confirm, stop, … by email
    # url = "imap://127.0.0.1:1143"          # or imaps://host:993
    # starttls = "required"                  # required | optional | off
    # mailbox = "INBOX"
    # username = "kizuna@clinic.example"
    # password_env = "KIZUNA_IMAP_PASSWORD"  # or password_file = "/etc/kizuna/imap-password"
    # processed_mailbox = "Kizuna/Processed" # handled messages move here (absent: flagged only)
    # failed_mailbox = "Kizuna/Failed"       # what could not be handled
    # connect_timeout = 15                   # seconds
    # response_timeout = 60                  # seconds per server reply

    # [retry]                                # deferred messages
    # minimum_backoff = 300                  # seconds
    # maximum_backoff = 4000                 # seconds
    # lifetime_hours = 120                   # then bounced

    # [bounces]                              # the per-address bounce score (Mailman-like defaults)
    # hard_weight = 1.0                      # a hard bounce (unknown user, no such domain)
    # soft_weight = 0.5                      # a soft one (mailbox full, blocked, expired, …)
    # threshold = 5.0                        # then the subscriber is set to bouncing: no more mail
    # stale_after_days = 7                   # a score with no bounce for this long starts again

    # Without a [report] table, `kizuna report` prints the daily report and `nightly` only logs it.
    # [report]                               # the administrator's daily report, once a day after the night's send
    # to = ["admin@clinic.example"]          # one or more addresses
    # from = "kizuna@clinic.example"         # From and envelope sender (default: the first edition's address)
    # encrypt = "when_key"                   # signed; encrypted to a recipient whose key was imported (kizuna keys import);
    #                                        # "required": a recipient without a key gets a notice instead; "off": clear, unsigned

    # [care]                                 # the paths no daily message covers
    # overdue_check_in_days = 7              # due date passed by this many days, no birth reported: one neutral check-in (0 = never)
    # auto_switch_days = 0                   # then switch to the child track with birth = due date (0 = never; more than the check-in)

    # [openpgp]                              # the instance's keyring; `kizuna init` made it and the signing key
    # home = "gnupg"                         # GnuPG home, mode 0700
    # passphrase_env = "KIZUNA_OPENPGP_PASSPHRASE"  # or passphrase_file = "/etc/kizuna/openpgp-passphrase"; none: the key has none
    # max_age_hours = 48                     # a signed command older than this is refused (1–720)
    # require_signed_reviews = false         # true: production also needs FILE.asc, a reviewer key's signature over each file's current bytes

    [[edition]]
    id = "sakura"
    name = "さくらクリニック"
    address = "kizuna@clinic.example"
    from_name = "さくらクリニック きずなメール"
    languages = ["ja", "en"]                 # the first is the default
    plus_addressing = true                   # kizuna+b-…@ VERP and kizuna+u-…@ unsubscribe addresses work
    # unsubscribe_url = "https://clinic.example/kizuna/unsubscribe/{token}"   # adds RFC 8058 one-click
    support_contacts = "さくらクリニック 0000-00-0000 (sample)"
    # support_contacts_review = { … }        # written by `kizuna content review kizuna.toml`; changed contacts are unreviewed again
    # max_auto_replies_per_day = 3           # automatic replies to one address per day
    # report_to = ["office@clinic.example"]  # also gets this edition's part of the daily report, nothing of another's (needs [report])
    # time_zone = "Asia/Tokyo"               # the edition's day, when not the instance's
    # [edition.smtp]                         # this edition's own relay: the keys of [smtp] ([edition.maildir] too); absent: [smtp]
    # [edition.imap]                         # this edition's own mailbox: the keys of [imap]; absent: [imap], shared by address

    """
}

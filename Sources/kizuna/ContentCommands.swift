import ArgumentParser
import Foundation
import KizunaContent
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Content: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the catalog, record reviews, and see what families receive.",
            subcommands: [Lint.self, Review.self, Calendar.self, Preview.self, Coverage.self])
    }
}

extension Kizuna.Content {
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load every template and report problems, and the review coverage by field.",
            discussion: """
                Reports every text that can reach a family and is not reviewed (messages, system messages, layouts, \
                local info entries, the configuration's support contacts): sample text, no review, or a text changed \
                since its review. Exits 65 when there are errors (sample or unreviewed content is an error with \
                --production or `production = true`).
                With [openpgp] require_signed_reviews = true (or once any file has a FILE.asc beside it), also checks \
                each file's detached signature against the instance's keyring and prints who approved it: \
                `signed: PATH approved by NAME (FIELD), key FPR, signed DATE`; a file without a reviewer key's good \
                signature over its current bytes is named with the reason (an error where production would refuse it).
                """)
        @OptionGroup var options: InstanceOptions
        @Flag(help: "Judge as production: sample or unreviewed content is an error.") var production = false

        func run() throws {
            try guarded {
                let report = try ContentTools(instance: options.instance()).lint(production: production)
                for line in report.lines { print(line) }
                if report.exitStatus != ExitStatus.ok { throw ExitCode(report.exitStatus) }
            }
        }
    }

    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a reviewer approved the texts in these files.",
            discussion: """
                Writes a review record (reviewer, field, date and the SHA-256 of the text) into each file: the \
                [review] table of a message or system message; `review = { … }` in every [[info]] entry of a local \
                info file (only entry N with --entry N); layouts/<lang>/review.toml for a layout; `support_contacts_review` of every edition when \
                PATH is the configuration file. A directory stands for every text below it. A text changed later is \
                unreviewed again. Sample text (sample = true) is refused: nothing is written.
                Fields: \(ReviewField.knownList).
                --sign also signs, with the reviewer's own secret key, each file that holds a reviewed text, over its \
                bytes as written (the review record included): FILE.asc beside it, armored and detached, as \
                `gpg --detach-sign --armor FILE` makes it (a layout's own .mustache file; the configuration file for \
                support contacts). The key comes from the reviewer's own GnuPG home (--gnupg-home, else $GNUPGHOME, \
                else ~/.gnupg), never the instance's keyring: --key FINGERPRINT, or the home's only secret signing key. \
                gpg never prompts: the passphrase comes from the reviewer's gpg-agent or the variable --passphrase-env \
                names. Every signature is made before anything is written.
                Example: kizuna content review templates/system/ja/loss.md --reviewer "Sato Hanako" --field "mental health"
                Exits 65 when a text is sample or a path holds no text that reaches families, 66 when a path (or the \
                GnuPG home) does not exist, 69 when the key cannot sign.
                """)
        @OptionGroup var options: InstanceOptions
        @Argument(help: ArgumentHelp("Files or directories in the templates directory, or the configuration file.", valueName: "PATH"))
        var paths: [String]
        @Option(help: ArgumentHelp("Who reviewed the texts.", valueName: "NAME")) var reviewer: String
        @Option(help: ArgumentHelp("The reviewer's field, e.g. obstetrics, paediatrics, midwifery, mental health.", valueName: "FIELD"))
        var field: String
        @Option(help: ArgumentHelp("The day of the review (default: today).", valueName: "DATE")) var date: String?
        @Option(help: ArgumentHelp("Only this [[info]] entry (1-based, as lint names it) of the one local info file given.", valueName: "N"))
        var entry: Int?
        @Flag(help: "Also sign each reviewed file with the reviewer's own key (FILE.asc beside it).") var sign = false
        @Option(help: ArgumentHelp("With --sign: the secret key's fingerprint (default: the home's only signing key).", valueName: "FINGERPRINT"))
        var key: String?
        @Option(name: .customLong("gnupg-home"), help: ArgumentHelp("With --sign: the reviewer's GnuPG home (default: $GNUPGHOME, else ~/.gnupg).", valueName: "DIR"))
        var gnupgHome: String?
        @Option(help: ArgumentHelp("With --sign: the environment variable holding the key's passphrase (default: the gpg-agent's, or none).", valueName: "VAR"))
        var passphraseEnv: String?

        func validate() throws {
            if paths.isEmpty { throw ValidationError("name at least one file or directory to review") }
            if let entry, entry < 1 || paths.count != 1 {
                throw ValidationError(entry < 1 ? "--entry counts from 1 ([[info]] #1)" : "--entry needs exactly one local info file")
            }
            if !sign, key != nil || gnupgHome != nil || passphraseEnv != nil {
                throw ValidationError("--key, --gnupg-home and --passphrase-env are for --sign")
            }
            if ReviewField(parsing: field) == nil {
                throw ValidationError("unknown field \"\(field)\"; known fields: \(ReviewField.knownList)")
            }
        }

        func run() throws {
            try guarded {
                let day = try date.map { try parseDate($0, option: "--date") }
                let outcome = try ContentReview(instance: options.instance())
                    .run(paths: paths, reviewer: reviewer, field: ReviewField(parsing: field)!, date: day, entry: entry, signer: try signer())
                for t in outcome.reviewed { print("reviewed: \(t.place) sha256 \(t.fingerprint.prefix(12))…") }
                for file in outcome.signatures { print("signed: \(file)") }
                print(outcome.line)
            }
        }

        /// With --sign, the reviewer's key from their own GnuPG home; never prompts.
        func signer() throws -> ReviewSigner? {
            guard sign else { return nil }
            let environment = ProcessInfo.processInfo.environment
            let home = gnupgHome ?? environment["GNUPGHOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".gnupg").path
            var passphrase: String?
            if let passphraseEnv {
                guard let value = environment[passphraseEnv], !value.isEmpty else {
                    throw JobError("--passphrase-env: the environment variable \(passphraseEnv) is not set", exitCode: ExitStatus.usage)
                }
                passphrase = value
            }
            return try ReviewSigner.open(home: home, fingerprint: key, passphrase: passphrase)
        }
    }

    struct Calendar: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which message goes out on which day for a due or birth date.")
        @OptionGroup var options: InstanceOptions
        @Option(help: ArgumentHelp("Due date (pregnancy).", valueName: "DATE")) var due: String?
        @Option(help: ArgumentHelp("Birth date (child).", valueName: "DATE")) var birth: String?
        @Option(help: ArgumentHelp("Language (default: the edition's).", valueName: "LANG")) var lang: String?
        @Option(help: ArgumentHelp("As this edition's families get it, its own stages included (default: the first edition).", valueName: "ID"))
        var edition: String?

        func validate() throws {
            if (due == nil) == (birth == nil) { throw ValidationError("give exactly one of --due DATE or --birth DATE") }
        }

        func run() throws {
            try guarded {
                let (track, anchor) = due != nil ? (Track.pregnancy, try parseDate(due!, option: "--due")) : (Track.child, try parseDate(birth!, option: "--birth"))
                for e in try ContentTools(instance: options.instance()).calendar(track: track, anchor: anchor, language: lang, editionID: edition) {
                    print("\(e.date)\t\(e.messageKey)\t\(e.language)\t\(e.subject)")
                }
            }
        }
    }

    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Messages per period against the reference cadence, the gaps and the longest silence.",
            discussion: """
                Per track and language: the messages in each period of the reference cadence (daily in pregnancy \
                week 4+0–41+6; daily to day 100; about every 3 days to age 1; weekly at age 1; every 14 days at \
                age 2; then monthly or less to 18), the longest silence and the gaps (silences longer than the \
                cadence; at ages 3–18, longer than a year). Child stages are placed for a child born on 2025-01-01.
                Examples: kizuna content coverage --lang ja
                          kizuna content coverage --json | jq '.tracks[] | {track, language, messages}'
                """)
        @OptionGroup var options: InstanceOptions
        @Option(help: ArgumentHelp("Only this language (default: every language of the catalog).", valueName: "LANG")) var lang: String?
        @Option(help: ArgumentHelp("As this edition's families get it: its overlay (templates/editions/<id>/) over the shared catalog.", valueName: "ID"))
        var edition: String?
        @Flag(help: "One JSON object (keys sorted) instead of text.") var json = false

        func run() throws {
            try guarded {
                let report = try CoverageReport.make(instance: options.instance(), language: lang, editionID: edition)
                print(json ? report.json.prettyPrinted : report.text)
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the .eml a message renders to (for a sample subscriber).",
            discussion: """
                Shows exactly what a family of the edition, area and language would get on DATE: the edition's own \
                texts (templates/editions/<id>/) and its local information that fits that day and area, at most \
                max_local_items. --area takes any spelling of a declared area (id, name or alias).
                Example: kizuna content preview pregnancy/d0140 --lang en > week20.eml && mutt -f week20.eml
                Example: kizuna content preview child/m06 --edition sakura --area キタ --date 2027-01-10
                """)
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The message key, e.g. pregnancy/d0140, child/d0100, child/m03.") var key: String
        @Option(help: ArgumentHelp("Language.", valueName: "LANG")) var lang: String?
        @Option(help: ArgumentHelp("Nickname to fill in.", valueName: "NAME")) var name: String?
        @Option(help: ArgumentHelp("Edition id.", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("Area, for local information.", valueName: "AREA")) var area: String?
        @Option(help: ArgumentHelp("The day the mail is for, for local information (default: today).", valueName: "DATE")) var date: String?

        func run() throws {
            try guarded {
                let day = try date.map { try parseDate($0, option: "--date") }
                let bytes = try ContentTools(instance: options.instance())
                    .preview(messageKey: key, language: lang, nickname: name, editionID: edition, area: area, date: day)
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}

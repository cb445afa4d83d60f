import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard identity …`: the secrets a shop signs customers' identity tokens with, and a
/// token for a shop's tests (and the demo shop's sign-ins).
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Identity secrets and tokens for signed-in customers (API.md \"Known customers\").",
        subcommands: [Token.self, SecretCommand.self])

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an identity token signed with the newest secret (HS256).")

        @Option(help: "The shop's customer id (1–128 characters).") var sub: String
        @Option(help: "The customer's name.") var name: String?
        @Option(help: "The customer's e-mail.") var email: String?
        @Option(help: "Lifetime: seconds, or with a unit (90s, 30m, 1h, 24h); at most 24h.") var ttl: String = "1h"

        func run() throws {
            guard IdentityToken.subjectLength.contains(sub.unicodeScalars.count) else {
                throw ValidationError("--sub: 1 to \(IdentityToken.subjectLength.upperBound) characters")
            }
            guard let seconds = Self.seconds(ttl), (1...IdentityToken.maxLifetimeSeconds).contains(seconds) else {
                throw ValidationError("--ttl: a lifetime up to 24h, like 3600, 30m or 1h")
            }
            try cliErrors {
                let service = try openStore().1
                if let name { _ = try Validate.displayName(name) }
                if let email { _ = try Validate.email(email) }
                guard let secret = try service.newestIdentitySecret() else {
                    throw ValidationError("no identity secret yet: create one with `switchboard identity secret create` (or in the console, Settings → Sign-in)")
                }
                print(IdentityToken.sign(subject: sub, name: name, email: email, issuedAt: Int64(Date().timeIntervalSince1970),
                                         lifetimeSeconds: seconds,
                                         secret: IdentityToken.Secret(id: secret.id, key: Array(secret.secret.utf8))))
            }
        }

        static func seconds(_ text: String) -> Int64? {
            let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
            if let last = text.last, let unit = units[last] { return Int64(text.dropLast()).map { $0 * unit } }
            return Int64(text)
        }
    }

    struct SecretCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "secret", abstract: "Create, list or delete identity secrets (at most two at once).",
            subcommands: [Create.self, List.self, Delete.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a secret and print it (shown this once).")
            @Flag(help: "Only if there is none yet (prints nothing when one exists).") var ifNone = false

            func run() throws {
                try cliErrors {
                    let service = try openStore().1
                    if ifNone, try !service.identitySecrets().isEmpty { return }
                    let secret = try service.createIdentitySecret(by: .cli)
                    print("id: \(secret.id)\nsecret: \(secret.secret)")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the secrets (id, last four characters, created).")
            func run() throws {
                try cliErrors {
                    for info in try openStore().1.identitySecrets() {
                        print("\(info.id)  …\(info.last4)  \(info.createdAt.iso8601)")
                    }
                }
            }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a secret: tokens signed with it stop working at once.")
            @Argument(help: "The secret's id.") var id: String
            func run() throws {
                try cliErrors { try openStore().1.deleteIdentitySecret(id, by: .cli) }
                print("deleted \(id)")
            }
        }
    }
}

/// `switchboard contact export|erase --external-id ID`: a customer's data on request.
struct ContactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact", abstract: "Export or erase everything the desk holds about a customer.",
        subcommands: [Export.self, Erase.self])

    /// The service and every contact with `externalId` (verified or not); an error when none has it.
    static func contacts(externalId: String) throws -> (ChatService, [Contact]) {
        let service = try openStore().1
        let contacts = try service.contacts(externalId: externalId)
        guard !contacts.isEmpty else { throw ValidationError("no contact has external id \(externalId)") }
        return (service, contacts)
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one JSON document with every contact that has this external id (verified and not), their conversations and messages.")
        @Option(name: .customLong("external-id"), help: "The shop's customer id.") var externalId: String

        func run() throws {
            try cliErrors {
                let (service, contacts) = try ContactCommand.contacts(externalId: externalId)
                struct Document: Encodable {
                    let externalId: String
                    let contacts: [ContactExport]
                    enum CodingKeys: String, CodingKey { case externalId = "external_id", contacts }
                }
                let document = Document(externalId: externalId, contacts: try contacts.map { try service.exportContact($0.id) })
                FileHandle.standardOutput.write(Data(try WireJSON.encode(document) + [UInt8(ascii: "\n")]))
            }
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase every contact with this external id: conversations, messages, events, e-mails, sessions.")
        @Option(name: .customLong("external-id"), help: "The shop's customer id.") var externalId: String

        func run() throws {
            try cliErrors {
                let (service, contacts) = try ContactCommand.contacts(externalId: externalId)
                for contact in contacts {
                    try service.eraseContact(contact.id, by: .cli)
                    print("erased contact \(contact.id) (\(contact.verified ? "verified" : "unverified"), \(contact.conversationsCount) conversation(s))")
                }
            }
        }
    }
}

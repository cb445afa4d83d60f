import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard agent …`: the team from the command line. Changes are audited as "cli".
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Manage agent accounts.",
                                                    subcommands: [Add.self, List.self, Disable.self, Enable.self, Passwd.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an agent. The password comes from --password, SWITCHBOARD_NEW_PASSWORD, or the first line of standard input.")

        @Argument(help: "Login name: 2–32 characters of a–z, 0–9, '.', '_' or '-'.") var username: String
        @Flag(help: "Make the account an admin (may register agents).") var admin = false
        @Option(help: "Name shown to customers.") var displayName: String?
        @Option(help: "Password (prefer SWITCHBOARD_NEW_PASSWORD or stdin: arguments are visible to other users).") var password: String?
        @Option(help: "Chats routed to this agent at once.") var maxActiveChats = 5

        func run() throws {
            try cliErrors {
                let username = try Validate.username(self.username.lowercased())
                let capacity = try Validate.maxActiveChats(maxActiveChats)
                let secret = password ?? ProcessInfo.processInfo.environment["SWITCHBOARD_NEW_PASSWORD"] ?? readLine(strippingNewline: true)
                let checked = try Validate.password(secret ?? "")
                let name = try Validate.displayName(displayName ?? username)
                let agent = try openStore().1.createAgent(username: username, password: checked, displayName: name,
                                                          role: admin ? .admin : .agent, maxActiveChats: capacity, by: .cli)
                print("created \(agent.role.rawValue) \(agent.username) (\(agent.id))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every agent: role, presence, load, state.")

        func run() throws {
            let team = try openStore().1.team()
            print("USERNAME             ROLE   PRESENCE  CHATS  STATE     NAME")
            for member in team {
                let a = member.agent
                print(pad(a.username, 20), pad(a.role.rawValue, 6), pad(a.presence.rawValue, 9),
                      pad("\(member.activeChats)/\(a.maxActiveChats)", 6), pad(a.disabled ? "disabled" : "active", 9), a.displayName)
            }
        }

        private func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an agent: no login, tokens and open consoles end at once, never assigned chats.")
        @Argument(help: "The agent's username.") var username: String
        func run() throws { try setDisabled(username, true) }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled agent log in again.")
        @Argument(help: "The agent's username.") var username: String
        func run() throws { try setDisabled(username, false) }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an agent's password (read from standard input, or asked twice without echo on a terminal); their sessions end.")
        @Argument(help: "The agent's username.") var username: String

        func run() throws {
            try cliErrors {
                let service = try openStore().1
                let agent = try named(username, service)
                let password = try readSecret("New password for \(agent.username): ")
                try service.resetPassword(agentId: agent.id, to: password, by: .cli)
                print("password of \(agent.username) changed; their sessions have ended")
            }
        }
    }
}

private func named(_ username: String, _ service: ChatService) throws -> Agent {
    guard let agent = try service.agent(username: username.lowercased()) else {
        throw ValidationError("No agent named \(username).")
    }
    return agent
}

private func setDisabled(_ username: String, _ disabled: Bool) throws {
    try cliErrors {
        let service = try openStore().1
        let agent = try service.updateAgent(id: try named(username, service).id, AgentPatch(disabled: disabled), by: .cli)
        print("\(agent.username) is \(agent.disabled ? "disabled" : "enabled")")
    }
}

/// A secret from standard input: on a terminal asked twice with echo off; otherwise the
/// first line. Never from the command line, where other users could read it.
func readSecret(_ prompt: String) throws -> String {
    guard isatty(STDIN_FILENO) == 1 else {
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("Expected the password on standard input.") }
        return line
    }
    func ask(_ text: String) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
    let first = ask(prompt)
    guard ask("Again: ") == first else { throw ValidationError("The two passwords differ; nothing changed.") }
    return first
}

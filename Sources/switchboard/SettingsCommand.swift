import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard settings get|set`: the shop's settings by dotted key (`widget.color`).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Show or change the desk's settings.",
                                                    subcommands: [Get.self, Set.self])

    static let keys = ["brand_name", "bot_name", "welcome_message", "fallback_message",
                       "widget.title", "widget.subtitle", "widget.greeting", "widget.color", "widget.position",
                       "notify_email", "availability.timezone", "availability.away_message", "availability.prechat"]

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one setting, or all of them as JSON.")
        @Argument(help: "A key such as brand_name or widget.color; omit it for all.") var key: String?

        func run() throws {
            let settings = try openStore().1.settings()
            guard let key else {
                print(try WireJSON.string(settings))
                return
            }
            let values: [String: String] = [
                "brand_name": settings.brandName, "bot_name": settings.botName, "welcome_message": settings.welcomeMessage,
                "fallback_message": settings.fallbackMessage, "widget.title": settings.widget.title,
                "widget.subtitle": settings.widget.subtitle, "widget.greeting": settings.widget.greeting,
                "widget.color": settings.widget.color, "widget.position": settings.widget.position.rawValue,
                "notify_email": settings.notifyEmail ?? "", "availability.timezone": settings.availability.timezone,
                "availability.away_message": settings.availability.awayMessage,
                "availability.prechat": settings.availability.prechat.rawValue,
            ]
            guard let value = values[key] else { throw ValidationError("Unknown key \(key); one of: \(keys.joined(separator: ", ")).") }
            print(value)
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change one setting (checked like the API's PATCH).")
        @Argument(help: "A key such as brand_name or widget.color.") var key: String
        @Argument(help: "The new value.") var value: String

        func run() throws {
            guard SettingsCommand.keys.contains(key) else {
                throw ValidationError("Unknown key \(key); one of: \(SettingsCommand.keys.joined(separator: ", ")).")
            }
            // The same patch body the API takes, so the same checks and audit apply.
            let parts = key.split(separator: ".").map(String.init)
            let member = try WireJSON.string([parts.last!: value])
            let body = parts.count == 2 ? "{\"\(parts[0])\":\(member)}" : member
            try cliErrors {
                let patch = try WireJSON.decode(SettingsPatch.self, from: body)
                _ = try openStore().1.updateSettings(patch, by: .cli)
                print("\(key) set")
            }
        }
    }
}

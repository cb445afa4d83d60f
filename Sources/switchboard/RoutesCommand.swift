import ArgumentParser
import SwitchboardAPI
import SwitchboardCore
import SwitchboardMetrics

/// `switchboard routes`: the API's route table as the worker registers it, each route with
/// its audience (who may call it). The stack's access test tries every line of it with every
/// wrong credential, so a route added tomorrow is covered without anyone listing it.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Print every API route with its audience (public, customer, agent, admin, monitor).")

    @Flag(help: "One JSON object a line: {\"method\", \"path\", \"audience\"}.") var json = false

    func run() throws {
        // With metrics, as the worker runs: /metrics/worker is in the table too.
        let app = SwitchboardApp(service: try openStore().1, realtime: NoRealtime(), metrics: WorkerMetrics())
        for route in app.routes {
            if json {
                print(try WireJSON.string(["method": route.method, "path": route.path, "audience": route.audience.rawValue]))
            } else {
                print("\(route.method.padding(toLength: 7, withPad: " ", startingAt: 0)) \(route.audience.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(route.path)")
            }
        }
    }
}

// The `tessera` command table and dispatcher.
import TesseraEngine
#if canImport(Glibc)
import Glibc
#endif

/// One subcommand. `name` may have two words ("world render").
public struct Command {
    public let name: String
    public let summary: String
    /// Full help: usage line, description and options.
    public let help: String
    public let run: ([String]) throws -> Void

    public init(name: String, summary: String, help: String, run: @escaping ([String]) throws -> Void) {
        self.name = name
        self.summary = summary
        self.help = help
        self.run = run
    }
}

public enum Tessera {
    /// Every subcommand, in the order `tessera help` lists them.
    public static var commands: [Command] {
        [
            HelpCommand.command,
            StudioCommand.command,
            ExpandCommand.command,
            GenerateCommand.command,
            WorldRenderCommand.command,
            WorldSampleCommand.command,
            ImportCommand.command,
            TrainCommand.command,
            VAECommand.command,
            EvalCommand.command,
            BenchCommand.command,
        ]
    }

    public static let overview = """
    tessera: a text-to-video studio for the terminal

    usage: tessera <command> [options]
           tessera help <command>     (or: tessera <command> --help)
    """

    /// Runs the command line and returns the process exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        guard !arguments.isEmpty else {
            // The studio needs a terminal; piped or redirected, print the help instead.
            if isatty(0) == 1 && isatty(1) == 1 {
                return main(["studio"])
            }
            printOut(HelpCommand.text())
            printOut("\n(not a terminal, so the help instead of the studio; `tessera studio` opens it on a terminal)")
            return 0
        }
        // Longest match first, so "world render" wins over "world".
        let table = commands.sorted { $0.name.count > $1.name.count }
        for command in table {
            let words = command.name.split(separator: " ").map(String.init)
            if arguments.count >= words.count && Array(arguments.prefix(words.count)) == words {
                let rest = Array(arguments.dropFirst(words.count))
                if rest.contains("--help") || rest.contains("-h") {
                    printOut(command.help)
                    return 0
                }
                do {
                    try command.run(rest)
                    return 0
                } catch let error as CommandError {
                    printError("tessera \(command.name): \(error.message)")
                    return error.status
                } catch {
                    printError("tessera \(command.name): \(error)")
                    return 1
                }
            }
        }
        let known = commands.map(\.name)
        let hint = nearest(arguments[0], in: known).map { " (did you mean '\($0)'?)" } ?? ""
        printError("tessera: unknown command '\(arguments.joined(separator: " "))'\(hint); run `tessera help` for the list")
        return 2
    }

    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, String($0.split(separator: " ")[0]))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
        return best.0
    }
}

public func printOut(_ text: String) {
    print(text)
}

public func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    fputs(line, stderr)
}

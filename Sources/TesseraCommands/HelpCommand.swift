// `tessera help [command]`.

enum HelpCommand {
    static let command = Command(
        name: "help",
        summary: "list the commands, or show one command's help",
        help: """
        usage: tessera help [command]

        Lists every command, or prints the help of one (the same as `tessera <command> --help`).
        """,
        run: { args in
            if args.isEmpty {
                printOut(text())
                return
            }
            let name = args.joined(separator: " ")
            guard let c = Tessera.commands.first(where: { $0.name == name }) else {
                throw CommandError.usage("no command named '\(name)'; run `tessera help` for the list")
            }
            printOut(c.help)
        })

    static func text() -> String {
        let width = Tessera.commands.map(\.name.count).max() ?? 0
        let lines = Tessera.commands.map { c in
            "  " + c.name + String(repeating: " ", count: width - c.name.count + 2) + c.summary
        }
        return Tessera.overview + "\n\ncommands:\n" + lines.joined(separator: "\n")
    }
}

// `tessera expand "PROMPT" [--seed N] [--json]`: the detailed caption a prompt expands to.
import TesseraWorld

enum ExpandCommand {
    static let command = Command(
        name: "expand",
        summary: "expand a prompt into the world's detailed caption, reporting unknown words",
        help: """
        usage: tessera expand "PROMPT" [--seed N] [--json]

        Parses PROMPT (synonyms, any word order, several objects joined by "and" or commas), fills in
        what it leaves out from the seed, and prints the canonical detailed caption. Words the world
        does not know are listed with the nearest word it does; nothing is dropped silently.

          --seed N   seed for what the prompt leaves out (default 0); the same prompt and seed always
                     expand the same way
          --json     also print the full scene as JSON (what `tessera world render` draws)
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "expand", options: ["seed"], booleanFlags: ["json"])
        let prompt = args.positionals.joined(separator: " ")
        guard !args.positionals.isEmpty else { throw CommandError.usage("`tessera expand` needs a PROMPT, e.g. tessera expand \"red ball bouncing\"") }
        let seed = try args.uint64("seed", default: 0)
        let expansion: Expansion
        do {
            expansion = try PromptExpander.expand(prompt, seed: seed)
        } catch let error as PromptError {
            throw CommandError.usage(error.message)
        }
        printOut(expansion.caption)
        for line in WorldOptions.reports(unknown: expansion.unknownWords, notes: expansion.notes) { printOut(line) }
        if args.flag("json") { printOut(WorldOptions.sceneJSON(expansion.scene)) }
    }
}

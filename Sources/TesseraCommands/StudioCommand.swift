// `tessera studio` (and `tessera` with no arguments on a terminal): the interactive studio.
import Foundation
import TesseraSampler
import TesseraStudio

enum StudioCommand {
    static let command = Command(
        name: "studio",
        summary: "open the interactive studio (what `tessera` with no arguments opens)",
        help: """
        usage: tessera studio [--theme NAME] [--out DIR] [--color truecolor|256|16|none]
                              [--generator model|reference] [--weights FILE]

        Type a prompt, see it expanded, preview it as half-block video in the terminal, and render
        the final .mp4 with a sidecar .json that reproduces it. F1 in the studio lists every key.
        Videos come from the shipped diffusion transformer; without trained weights (or with
        --generator reference) they come from the reference world renderer (the procedural ground
        truth), and the studio and the sidecars say so.

          --theme NAME   a theme in themes/ (default, dark, light, mono) or a path to a .theme file;
                         F3 cycles themes in the studio
          --out DIR      folder for renders and their sidecars (default ./renders); the gallery (F2)
                         lists it
          --color MODE   truecolor, 256, 16 or none (default: detected from terminfo and COLORTERM)
          --generator G  model (default when weights are shipped) or reference (the world renderer)
          --weights FILE diffusion transformer weights (default: the shipped ones)
        """,
        run: run)

    static func run(_ arguments: [String]) throws {
        let args = try Arguments(arguments, command: "studio", options: ["theme", "out", "color", "generator", "weights"])
        try args.expectPositionals(atMost: 0)
        var mode: ColorMode?
        if let c = args.string("color") {
            switch c {
            case "truecolor", "24bit", "direct": mode = .direct
            case "256": mode = .palette256
            case "16", "8": mode = .ansi16
            case "none": mode = ColorMode.none
            default: throw CommandError.usage("--color must be truecolor, 256, 16 or none, got '\(c)'")
            }
        }
        let options = StudioOptions(themeName: args.string("theme"), outputFolder: args.string("out") ?? "renders", colorMode: mode)
        try open(options, generator: try generator(args.string("generator"), weights: args.string("weights")))
    }

    /// The model when its weights load; the reference renderer when asked for, or when no weights ship.
    static func generator(_ choice: String?, weights: String?) throws -> any VideoGenerating {
        switch choice {
        case "reference": return ReferenceGenerator(note: "ground truth")
        case nil, "model":
            if weights == nil && TextToVideo.shippedWeightsPath == nil {
                if choice == "model" { throw CommandError("--generator model: no diffusion transformer weights are shipped in this build; give --weights FILE") }
                return ReferenceGenerator()
            }
            return DiffusionGenerator(pipeline: try TrainCommand.wrap { try TextToVideo.load(ditPath: weights) })
        default:
            throw CommandError.usage("--generator must be model or reference, got '\(choice!)'")
        }
    }

    static func open(_ options: StudioOptions, generator: any VideoGenerating = ReferenceGenerator()) throws {
        // Theme errors are reported before the screen is taken over.
        do {
            _ = try Theme.load(options.themeName ?? "default", directory: Theme.findDirectory())
        } catch let error as ThemeError {
            throw CommandError.usage(error.message)
        }
        let terminal: Terminal
        do {
            terminal = try Terminal(colorOverride: options.colorMode)
        } catch let error as ThemeError {
            throw CommandError(error.message)
        }
        let app: StudioApp
        do {
            app = try StudioApp(options: options, colorMode: terminal.colorMode, unicode: terminal.unicode, generator: generator)
        } catch {
            terminal.end()
            throw CommandError("\(error)")
        }
        app.run(terminal: terminal)
    }
}

// Hand-written command-line parsing: `--name value`, `--name=value`, boolean `--flag`, positionals,
// and `--` to end options. Every mistake becomes a one-line `CommandError` naming what was wrong
// and what is accepted.

public struct CommandError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// Process exit status: 2 for usage mistakes, 1 for failures while running.
    public let status: Int32
    public init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }
    public static func usage(_ message: String) -> CommandError { CommandError(message, status: 2) }
    public var description: String { message }
}

public struct Arguments {
    public private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    public let command: String

    /// Parses `arguments` for `command`. `options` take a value, `booleanFlags` do not.
    /// `repeatable` options may be given more than once.
    public init(_ arguments: [String], command: String, options: Set<String>, booleanFlags: Set<String> = [],
                repeatable: Set<String> = []) throws {
        self.command = command
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("--") || arg == "-" {
                if !onlyPositionals && arg.hasPrefix("-") && arg.count > 1 && Double(arg) == nil {
                    throw CommandError.usage("unknown option '\(arg)' for `tessera \(command)`; options start with -- (see `tessera \(command) --help`)")
                }
                positionals.append(arg)
                continue
            }
            if arg == "--" { onlyPositionals = true; continue }
            var name = String(arg.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if booleanFlags.contains(name) {
                if inlineValue != nil { throw CommandError.usage("--\(name) takes no value") }
                flags.insert(name)
            } else if options.contains(name) {
                let value: String
                if let v = inlineValue {
                    value = v
                } else {
                    guard i < arguments.count else { throw CommandError.usage("--\(name) needs a value") }
                    value = arguments[i]
                    i += 1
                }
                if values[name] != nil && !repeatable.contains(name) {
                    throw CommandError.usage("--\(name) given more than once")
                }
                values[name, default: []].append(value)
            } else {
                let accepted = (options.map { "--\($0) VALUE" } + booleanFlags.map { "--\($0)" }).sorted()
                let list = accepted.isEmpty ? "none" : accepted.joined(separator: ", ")
                throw CommandError.usage("unknown option '--\(name)' for `tessera \(command)`; accepted: \(list)")
            }
        }
    }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func string(_ name: String) -> String? { values[name]?.last }

    public func strings(_ name: String) -> [String] { values[name] ?? [] }

    public func require(_ name: String) throws -> String {
        guard let v = string(name) else { throw CommandError.usage("`tessera \(command)` needs --\(name)") }
        return v
    }

    public func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw CommandError.usage("--\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return v
    }

    public func uint64(_ name: String, default value: UInt64) throws -> UInt64 {
        guard let text = string(name) else { return value }
        guard let v = UInt64(text) else {
            throw CommandError.usage("--\(name) must be a non-negative integer below 2^64, got '\(text)'")
        }
        return v
    }

    public func double(_ name: String, default value: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = string(name) else { return value }
        guard let v = Double(text), v.isFinite, range.contains(v) else {
            throw CommandError.usage("--\(name) must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return v
    }

    /// Fails if there are more positionals than `maximum`.
    public func expectPositionals(atMost maximum: Int, what: String = "arguments") throws {
        if positionals.count > maximum {
            throw CommandError.usage("unexpected argument '\(positionals[maximum])' for `tessera \(command)` (it takes at most \(maximum) \(what))")
        }
    }
}

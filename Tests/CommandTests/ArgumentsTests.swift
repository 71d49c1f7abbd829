import XCTest
import TesseraCommands

final class ArgumentsTests: XCTestCase {
    func testOptionsFlagsAndPositionals() throws {
        let a = try Arguments(["in.mp4", "--seed", "5", "--json", "--size=64x32", "out.mp4"], command: "x",
                              options: ["seed", "size"], booleanFlags: ["json"])
        XCTAssertEqual(a.positionals, ["in.mp4", "out.mp4"])
        XCTAssertEqual(try a.int("seed", default: 0, in: 0...10), 5)
        XCTAssertEqual(a.string("size"), "64x32")
        XCTAssertTrue(a.flag("json"))
    }

    func testMistakesAreOneLineUsageErrors() {
        let cases: [[String]] = [["--bogus"], ["--seed"], ["--seed", "1", "--seed", "2"], ["--json=1"], ["-x"]]
        for args in cases {
            XCTAssertThrowsError(try Arguments(args, command: "x", options: ["seed"], booleanFlags: ["json"])) { error in
                let e = error as? CommandError
                XCTAssertEqual(e?.status, 2, "\(args)")
                XCTAssertFalse(e?.message.contains("\n") ?? true)
            }
        }
        let a = try? Arguments(["--seed", "x"], command: "x", options: ["seed"])
        XCTAssertThrowsError(try a?.int("seed", default: 0, in: 0...9))
    }

    func testUnknownCommandExitsTwo() {
        XCTAssertEqual(Tessera.main(["no-such-command"]), 2)
        XCTAssertEqual(Tessera.main(["help"]), 0)
    }
}

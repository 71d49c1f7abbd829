// `tessera eval --model-only` skips the world render and its round trip, and judges the model's
// videos exactly as the full eval does: the same verdicts, without the reference columns.
import Foundation
import XCTest
import TesseraTestSupport

final class EvalModelOnlyTests: XCTestCase {
    /// Runs the release binary with the shipped weights and returns its JSON output.
    func evalJSON(_ arguments: [String]) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: GenerateDeterminismTests.binary)
        p.arguments = ["eval", "--seen", "1", "--held-out", "1", "--duration", "0", "--full", "--steps", "4", "--json"] + arguments
        p.environment = ProcessInfo.processInfo.environment.filter { $0.key != "OPENBLAS_CORETYPE" }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testModelOnlyJudgesTheSameVideosWithoutTheReference() throws {
        guard FileManager.default.isExecutableFile(atPath: GenerateDeterminismTests.binary) else {
            throw XCTSkip("no release binary at \(GenerateDeterminismTests.binary); run `swift build -c release` first (make test does)")
        }
        let whole = try evalJSON([]), modelOnly = try evalJSON(["--model-only"])
        XCTAssertEqual(whole["model_only"] as? Bool, false)
        XCTAssertEqual(modelOnly["model_only"] as? Bool, true)
        XCTAssertNotNil(whole["reference_seen"])
        XCTAssertNotNil(whole["autoencoder_held_out"])
        XCTAssertNil(modelOnly["reference_seen"])
        XCTAssertNil(modelOnly["autoencoder_held_out"])
        XCTAssertEqual(modelOnly["refine_steps"] as? Int, 2, "5/8 of 4 steps, rounded down")
        for key in ["seen", "held_out"] {
            XCTAssertEqual(modelOnly[key] as? NSDictionary, whole[key] as? NSDictionary, key)
        }
        let cases = try XCTUnwrap(whole["cases"] as? [[String: Any]]), onlyCases = try XCTUnwrap(modelOnly["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 2)
        for (a, b) in zip(cases, onlyCases) {
            XCTAssertEqual(a["wrong"] as? [String], b["wrong"] as? [String])
            XCTAssertEqual(a["right"] as? Int, b["right"] as? Int)
            XCTAssertNotNil(a["reference_right"])
            XCTAssertNil(b["reference_right"])
        }
    }
}

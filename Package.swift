// swift-tools-version:5.9
// Tessera: a text-to-video studio for the terminal. The targets mirror the pipeline:
// engine -> world (data) -> autoencoder -> transformer -> sampler -> media -> studio.
import PackageDescription

// Release builds target AVX2 + FMA (x86-64 from 2013 on) so SIMD kernels use 256-bit registers.
let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo", "-target-cpu", "haswell"], .when(configuration: .release))]

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    targets: [
        // System libraries (Debian packages named in `providers`).
        .systemLibrary(name: "CCBLAS", path: "Sources/CCBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),

        // Pipeline modules.
        .target(name: "TesseraEngine", dependencies: ["CCBLAS"], swiftSettings: optimize),
        .target(name: "TesseraWorld", dependencies: ["TesseraEngine", "TesseraMedia"], swiftSettings: optimize),
        .target(name: "TesseraMedia", dependencies: ["CFFmpeg"], swiftSettings: optimize),
        .target(name: "TesseraAutoencoder", dependencies: ["TesseraEngine", "TesseraMedia"],
                resources: [.copy("Resources")], swiftSettings: optimize),
        .target(name: "TesseraTransformer", dependencies: ["TesseraEngine", "TesseraWorld"],
                resources: [.copy("Resources")], swiftSettings: optimize),
        .target(name: "TesseraSampler", dependencies: ["TesseraEngine", "TesseraWorld", "TesseraMedia", "TesseraAutoencoder", "TesseraTransformer"],
                swiftSettings: optimize),
        .target(name: "TesseraStudio", dependencies: ["CNcursesw", "TesseraEngine", "TesseraWorld", "TesseraMedia"],
                swiftSettings: optimize),
        .target(name: "TesseraCommands",
                dependencies: ["TesseraEngine", "TesseraWorld", "TesseraMedia", "TesseraAutoencoder", "TesseraTransformer",
                               "TesseraSampler", "TesseraStudio", "CCBLAS"],
                swiftSettings: optimize),
        .executableTarget(name: "tessera", dependencies: ["TesseraCommands"], swiftSettings: optimize),

        // Tests.
        .target(name: "TesseraTestSupport", dependencies: ["TesseraEngine"], path: "Tests/TesseraTestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["TesseraEngine", "TesseraTestSupport"]),
        .testTarget(name: "WorldTests", dependencies: ["TesseraWorld", "TesseraMedia", "TesseraTestSupport"]),
        .testTarget(name: "AutoencoderTests", dependencies: ["TesseraAutoencoder", "TesseraTestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["TesseraMedia", "TesseraTestSupport"]),
        .testTarget(name: "TransformerTests", dependencies: ["TesseraTransformer", "TesseraSampler", "TesseraWorld", "TesseraTestSupport"]),
        .testTarget(name: "SamplerTests", dependencies: ["TesseraSampler", "TesseraAutoencoder", "TesseraTransformer", "TesseraMedia", "TesseraWorld",
                                                      "TesseraTestSupport"]),
        .testTarget(name: "StudioTests", dependencies: ["TesseraStudio", "TesseraMedia", "TesseraWorld", "TesseraSampler"]),
        .testTarget(name: "CommandTests", dependencies: ["TesseraCommands", "TesseraMedia", "TesseraAutoencoder", "TesseraTransformer",
                                                     "TesseraTestSupport"]),
    ]
)

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Kizuna",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kizuna", targets: ["kizuna"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // gpgme (and through it the gpg binary) for the instance's OpenPGP keyring.
        .systemLibrary(
            name: "CGPGME",
            pkgConfig: "gpgme",
            providers: [.apt(["libgpgme-dev", "gnupg"])]
        ),
        // glibc's iconv (no library to link) for the incoming parser's charsets.
        .systemLibrary(name: "CIconv"),
        .target(name: "KizunaCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "KizunaMIME", dependencies: ["KizunaCore", "CIconv"]),
        .target(
            name: "KizunaContent",
            dependencies: [
                "KizunaCore",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "KizunaStore",
            dependencies: ["KizunaCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "KizunaMail",
            dependencies: [
                "CCurl", "CGPGME",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KizunaJobs",
            dependencies: [
                "KizunaCore", "KizunaMIME", "KizunaContent", "KizunaStore", "KizunaMail",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kizuna",
            dependencies: [
                "KizunaJobs", "KizunaCore", "KizunaContent", "KizunaStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KizunaCoreTests", dependencies: ["KizunaCore", "KizunaContent"]),
        .testTarget(name: "KizunaMIMETests", dependencies: ["KizunaMIME", "KizunaCore"]),
        .testTarget(name: "KizunaContentTests", dependencies: ["KizunaContent", "KizunaCore"]),
        .testTarget(
            name: "KizunaStoreTests",
            dependencies: ["KizunaStore", "KizunaCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Shared by the test targets below: temporary directories, loopback ports, and the rule
        // for tests that need the real mail stack.
        .target(name: "KizunaTestSupport", path: "Tests/KizunaTestSupport"),
        .testTarget(
            name: "KizunaMailTests",
            dependencies: ["KizunaMail", "KizunaCore", "KizunaTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "KizunaJobsTests",
            dependencies: [
                "KizunaJobs", "KizunaCore", "KizunaMIME", "KizunaStore", "KizunaMail", "KizunaTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KizunaCLITests", dependencies: ["KizunaTestSupport"]),
    ]
)

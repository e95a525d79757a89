public import Foundation

/// Runs a command found on PATH, feeding `input` on stdin and collecting stdout and stderr.
/// Each pipe is served on its own thread: a tool like ffmpeg may fill stdout before it has read its input.
public struct Subprocess: Sendable {
    public var status: Int32
    public var output: Data
    public var errors: Data

    public var errorText: String {
        String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// - Throws: only when the command cannot be started; a non-zero exit is reported in `status`.
    public static func run(_ arguments: [String], input: Data? = nil) throws -> Subprocess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let inputPipe = Pipe(), outputPipe = Pipe(), errorPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        try process.run()
        if let input {
            Thread {
                try? inputPipe.fileHandleForWriting.write(contentsOf: input)
                try? inputPipe.fileHandleForWriting.close()
            }.start()
        }
        let errors = Collected()
        let errorsDone = DispatchSemaphore(value: 0)
        Thread {
            errors.data = errorPipe.fileHandleForReading.readDataToEndOfFile()
            errorsDone.signal()
        }.start()
        let output = outputPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorsDone.wait()
        return Subprocess(status: process.terminationStatus, output: output, errors: errors.data)
    }

    /// Bytes written by one thread and read by another after a semaphore orders them.
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }
}

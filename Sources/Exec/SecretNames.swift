/// Environment variable names that say they hold a secret (`OPENAI_API_KEY`, `GITHUB_TOKEN`,
/// `DB_PASSWORD`, …) — but not the names of files or variables that point at one.
public enum SecretNames {
    static let markers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "AUTH", "SESSION", "COOKIE"]

    public static func isSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return markers.contains { upper.contains($0) }
            && !upper.hasSuffix("_PATH") && !upper.hasSuffix("_FILE") && !upper.hasSuffix("_ENV") && !upper.hasSuffix("_DIR")
            && upper != "SSH_AUTH_SOCK"
    }

    /// `environment` without its secrets.
    public static func scrub(_ environment: [String: String]) -> [String: String] {
        environment.filter { !isSecret($0.key) }
    }
}

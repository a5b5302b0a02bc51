//! Every kind of config error names the file, the line and the key.

use super::*;
use mailflow_admin::TokenDigest;
use std::time::Duration;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("mailflow.toml"), Path::new("."))
}

/// Parses, expects an error, and checks `mailflow.toml:LINE: KEY: ` leads it.
fn assert_error(text: &str, line: usize, key: &str, message_part: &str) {
    let error = parse(text).expect_err("the config should be refused");
    let shown = error.to_string();
    let expected_start = format!("mailflow.toml:{line}: {key}: ");
    assert!(
        shown.starts_with(&expected_start),
        "expected {expected_start:?}…, got {shown:?}"
    );
    assert!(
        shown.contains(message_part),
        "expected {message_part:?} in {shown:?}"
    );
}

const CONNECTOR: &str = "[[connectors]]\nname = \"to-onprem\"\nkind = \"on_premises\"\nrecipient_domains = [\"contoso.test\"]\n";

#[test]
fn an_unknown_enum_value_names_the_connector_key() {
    let text = format!("{CONNECTOR}tls = \"strict\"\n");
    assert_error(&text, 5, "connectors[0].tls", "unknown variant `strict`");
}

#[test]
fn an_unknown_key_is_refused_where_it_is() {
    assert_error(
        "[server]\nhostname = \"relay.test\"\nlisten = [\"127.0.0.1:25\"]\n",
        3,
        "server.listen",
        "unknown field `listen`",
    );
    assert_error(
        "[mystery]\nx = 1\n",
        1,
        "mystery",
        "unknown field `mystery`",
    );
}

#[test]
fn a_syntax_error_names_its_line() {
    let error = parse("[server]\nhostname = \"relay.test\n").unwrap_err();
    assert!(matches!(error.problem, Problem::Syntax(_)));
    assert!(
        error.to_string().starts_with("mailflow.toml:2: "),
        "{error}"
    );
}

#[test]
fn bad_durations_sizes_networks_and_addresses_are_named() {
    assert_error(
        "[queue]\nexpiration = \"5x\"\n",
        2,
        "queue.expiration",
        "\"5x\" is not a duration",
    );
    assert_error(
        "[queue]\nretry = [\"1m\", \"soon\"]\n",
        2,
        "queue.retry[1]",
        "\"soon\" is not a duration",
    );
    assert_error(
        "[server]\nmax_message_size = \"35XB\"\n",
        2,
        "server.max_message_size",
        "\"35XB\" is not a size",
    );
    assert_error(
        "[server]\ntrusted_networks = [\"10.0.0.0/33\"]\n",
        2,
        "server.trusted_networks[0]",
        "not a network",
    );
    assert_error(
        "[server]\nsmtp_listen = [\"localhost:25\"]\n",
        2,
        "server.smtp_listen[0]",
        "not an address to listen on",
    );
    assert_error(
        "[admin]\nlisten = \"8025\"\n",
        2,
        "admin.listen",
        "not an address to listen on",
    );
    assert_error(
        "[dns]\nnameservers = [\"ns1\"]\n",
        2,
        "dns.nameservers[0]",
        "not a name server",
    );
    assert_error(
        "[delivery]\nconnect_timeout = 30\n",
        2,
        "delivery.connect_timeout",
        "bare number",
    );
}

#[test]
fn a_value_of_the_wrong_type_is_named() {
    assert_error(
        "[delivery]\nmx_port = \"twenty-five\"\n",
        2,
        "delivery.mx_port",
        "invalid type",
    );
}

#[test]
fn an_unparsable_smart_host_is_named() {
    let text = format!("{CONNECTOR}smart_hosts = [\"mail.contoso.test:notaport\"]\n");
    assert_error(
        &text,
        5,
        "connectors[0].smart_hosts[0]",
        "is not a port number",
    );
}

#[test]
fn session_limits_of_zero_are_refused_at_their_key() {
    assert_error(
        "[server]\nmax_sessions_per_client = 0\n",
        2,
        "server.max_sessions_per_client",
        "must be at least 1",
    );
    assert_error(
        "[server]\nhostname = \"relay.test\"\nmax_junk_commands = 0\n",
        3,
        "server.max_junk_commands",
        "must be at least 1",
    );
    let config =
        parse("[server]\nmax_sessions = 50\nmax_sessions_per_client = 5\nmax_junk_commands = 20\n")
            .unwrap();
    let receive = config.node.receive;
    assert_eq!(
        (
            receive.sessions.max_sessions,
            receive.sessions.max_sessions_per_client,
            receive.max_junk_commands
        ),
        (50, 5, 20)
    );
}

#[test]
fn the_recipient_overshoot_is_read_and_zero_counts_every_refusal() {
    let config = parse("[server]\nmax_recipient_overshoot = 0\n").unwrap();
    assert_eq!(config.node.receive.max_recipient_overshoot, 0);
    let config = parse("[server]\nmax_recipient_overshoot = 5000\n").unwrap();
    assert_eq!(config.node.receive.max_recipient_overshoot, 5000);
}

#[test]
fn the_header_receiving_memory_and_session_limits_are_configurable_and_refuse_zero_at_their_keys() {
    assert_error(
        "[server]\nmax_receiving_memory = \"0MB\"\n",
        2,
        "server.max_receiving_memory",
        "is zero",
    );
    assert_error(
        "[server]\nmax_header_size = \"0KB\"\n",
        2,
        "server.max_header_size",
        "is zero",
    );
    assert_error(
        "[server]\nmax_session_duration = \"0s\"\n",
        2,
        "server.max_session_duration",
        "is zero",
    );
    let config = parse(
        "[server]\nmax_header_size = \"1MB\"\nmax_session_duration = \"10m\"\nmax_receiving_memory = \"2GB\"\n",
    )
    .unwrap()
    .node
    .receive;
    assert_eq!(
        (
            config.max_header_size,
            config.max_session_duration,
            config.max_receiving_memory
        ),
        (1024 * 1024, Duration::from_secs(600), 2 << 30)
    );
}

#[test]
fn the_client_share_of_the_receiving_memory_is_read_and_checked_against_the_other_sizes() {
    let config = parse("[server]\nmax_receiving_memory_per_client = \"64MB\"\n").unwrap();
    assert_eq!(
        config.node.receive.max_receiving_memory_per_client,
        64 << 20
    );
    assert_error(
        "[server]\nmax_receiving_memory = \"100MB\"\nmax_receiving_memory_per_client = \"200MB\"\n",
        3,
        "server.max_receiving_memory_per_client",
        "is larger than server.max_receiving_memory",
    );
    assert_error(
        "[server]\nmax_receiving_memory_per_client = \"10MB\"\n",
        2,
        "server.max_receiving_memory_per_client",
        "is smaller than server.max_message_size",
    );
    assert_error(
        "[server]\nmax_receiving_memory_per_client = \"0MB\"\n",
        2,
        "server.max_receiving_memory_per_client",
        "is zero",
    );
}

#[test]
fn without_a_client_share_a_client_may_hold_a_quarter_but_always_one_largest_message() {
    let share = |text: &str| {
        parse(text)
            .unwrap()
            .node
            .receive
            .max_receiving_memory_per_client
    };
    assert_eq!(
        share("[server]\nmax_receiving_memory = \"2GB\"\n"),
        512 << 20
    );
    assert_eq!(
        share("[server]\nmax_receiving_memory = \"64MB\"\n"),
        35 << 20,
        "a quarter would not take a 35 MB message"
    );
    assert_eq!(
        share("[server]\nmax_receiving_memory = \"20MB\"\n"),
        20 << 20,
        "never more than the whole"
    );
}

#[test]
fn the_line_length_of_messages_is_configurable_down_to_998() {
    let config = parse("[server]\nmax_line_length = 100000\n").unwrap();
    assert_eq!(config.node.receive.max_data_line_length, 100_000);
    assert_error(
        "[server]\nmax_line_length = 997\n",
        2,
        "server.max_line_length",
        "must be at least 998",
    );
    assert_error(
        "[server]\nmax_line_length = -1\n",
        2,
        "server.max_line_length",
        "invalid value",
    );
}

#[test]
fn the_auth_lockout_is_configurable_and_refuses_zero_at_its_key() {
    assert_error(
        "[server]\nauth_lockout_after = 0\n",
        2,
        "server.auth_lockout_after",
        "must be at least 1",
    );
    assert_error(
        "[server]\nhostname = \"relay.test\"\nauth_lockout_window = \"0s\"\n",
        3,
        "server.auth_lockout_window",
        "is zero",
    );
    let config = parse("[server]\nauth_lockout_after = 4\nauth_lockout_window = \"1h\"\n").unwrap();
    let auth = &config.node.receive.auth;
    assert_eq!(
        (auth.lockout_after, auth.lockout_window),
        (4, Duration::from_secs(3600))
    );
    // The delays within a session keep their defaults.
    let defaults = mailflow_receive::AuthLimits::default();
    assert_eq!(
        (auth.max_failures, auth.failure_delay),
        (defaults.max_failures, defaults.failure_delay)
    );
}

#[test]
fn a_missing_required_key_names_its_table() {
    assert_error(
        "[[connectors]]\nname = \"x\"\nrecipient_domains = [\"*\"]\n",
        1,
        "connectors[0]",
        "missing field `kind`",
    );
}

#[test]
fn duplicate_connector_names_are_refused() {
    let text = format!("{CONNECTOR}\n{CONNECTOR}");
    assert_error(&text, 7, "connectors[1].name", "already defined");
}

#[test]
fn one_recipient_domain_on_two_enabled_connectors_names_both() {
    let other = CONNECTOR.replace("to-onprem", "to-backup");
    let text = format!("{CONNECTOR}\n{other}");
    assert_error(
        &text,
        9,
        "connectors[1].recipient_domains[0]",
        "contoso.test is carried by both connectors \"to-onprem\" and \"to-backup\"",
    );
    // A disabled one carries nothing, so it may list the same domain.
    let disabled = format!("{CONNECTOR}\n{other}enabled = false\n");
    assert!(parse(&disabled).is_ok());
}

#[test]
fn a_smart_host_must_be_a_host_name_or_address() {
    let text = format!("{CONNECTOR}smart_hosts = [\"mail.contoso.test\", \"bad_host!:25\"]\n");
    assert_error(
        &text,
        5,
        "connectors[0].smart_hosts[1]",
        "is not a host name or IP address",
    );
}

#[test]
fn a_connector_must_carry_some_recipients() {
    let text = "[[connectors]]\nname = \"x\"\nkind = \"partner\"\nrecipient_domains = []\n";
    assert_error(
        text,
        4,
        "connectors[0].recipient_domains",
        "carries no recipients",
    );
    let text = "[[connectors]]\nname = \"x\"\nkind = \"partner\"\n";
    assert_error(
        text,
        1,
        "connectors[0].recipient_domains",
        "carries no recipients",
    );
}

#[test]
fn an_internal_relay_domain_needs_a_connector() {
    let text = "[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"internal_relay\"\n";
    assert_error(
        text,
        2,
        "accepted_domains[0].name",
        "no connector carries it",
    );
}

#[test]
fn an_authoritative_domain_without_a_connector_is_a_warning() {
    let text = "[[accepted_domains]]\nname = \"contoso.test\"\ntype = \"authoritative\"\n[directory]\nrecipients = [\"alice@contoso.test\"]\n";
    let config = parse(text).unwrap();
    let warning = config
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("no connector carries"));
    let warning = warning.expect("a warning about the uncovered domain");
    assert!(
        warning.starts_with("mailflow.toml:2: accepted_domains[0].name: "),
        "{warning}"
    );
}

#[test]
fn a_tls_name_without_verify_name_is_accepted() {
    let text = format!("{CONNECTOR}tls = \"required\"\ntls_name = \"mail.contoso.test\"\n");
    let config = parse(&text).unwrap();
    assert_eq!(
        config.org.connectors[0].tls_name.as_deref(),
        Some("mail.contoso.test")
    );
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn a_bad_directory_address_is_named() {
    assert_error(
        "[directory]\nrecipients = [\"alice@contoso.test\", \"bob\"]\n",
        2,
        "directory.recipients[1]",
        "\"bob\" is not an address",
    );
}

#[test]
fn a_missing_file_is_named_by_the_key_that_points_at_it() {
    assert_error(
        "[delivery]\ntrusted_ca_file = \"no-such-ca.pem\"\n",
        2,
        "delivery.trusted_ca_file",
        "cannot read",
    );
    assert_error(
        "[directory]\nfile = \"no-such.csv\"\n",
        2,
        "directory.file",
        "cannot read",
    );
}

/// Found by the `config_loader` fuzz target: `file = ""` named the config's
/// own directory, which opens like a file, and the error then blamed "line 1"
/// of that directory instead of the key.
#[test]
fn an_empty_path_or_a_directory_is_refused_at_its_key() {
    assert_error(
        "[directory]\nfile = \"\"\n",
        2,
        "directory.file",
        "is empty; give the path of a file",
    );
    assert_error(
        "[directory]\nrecipients = []\nfile = \".\"\n",
        3,
        "directory.file",
        "is a directory, not a file",
    );
    assert_error(
        "[server]\ntls_cert_file = \".\"\ntls_key_file = \"\"\n",
        2,
        "server.tls_cert_file",
        "is a directory, not a file",
    );
    assert_error(
        "[delivery]\ntrusted_ca_file = \"\"\n",
        2,
        "delivery.trusted_ca_file",
        "is empty",
    );
}

#[test]
fn a_bad_line_in_the_directory_file_names_that_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("directory.csv"),
        "alice@contoso.test\n\nnot-an-address\n",
    )
    .unwrap();
    let config_path = dir.path().join("mailflow.toml");
    std::fs::write(&config_path, "[directory]\nfile = \"directory.csv\"\n").unwrap();
    let error = Config::load(&config_path).unwrap_err();
    assert_eq!(error.at.file, dir.path().join("directory.csv"));
    assert_eq!(error.at.line, Some(3));
    assert_eq!(
        error.at.key.as_ref().map(ToString::to_string).as_deref(),
        Some("directory.file")
    );
}

#[test]
fn an_unreadable_config_file_is_named() {
    let error = Config::load(Path::new("/no/such/mailflow.toml")).unwrap_err();
    assert!(matches!(error.problem, Problem::Unreadable(_)));
    assert!(
        error
            .to_string()
            .starts_with("/no/such/mailflow.toml: cannot read"),
        "{error}"
    );
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let config = Config::embedded_defaults();
    assert_eq!(config.source, ConfigSource::EmbeddedDefaults);
    let receive = &config.node.receive;
    assert_eq!(receive.listen, vec!["127.0.0.1:2525".parse().unwrap()]);
    let networks: Vec<String> = receive
        .trusted_networks
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(networks, ["127.0.0.0/8", "::1/128"]);
    assert_eq!(receive.max_message_size, 35 * 1024 * 1024);
    assert_eq!(receive.max_header_size, 256 * 1024);
    assert_eq!(receive.max_receiving_memory, 512 * 1024 * 1024);
    assert_eq!(receive.max_receiving_memory_per_client, 128 * 1024 * 1024);
    assert_eq!(receive.max_data_line_length, 998);
    assert_eq!(receive.max_recipients, 1000);
    assert_eq!(receive.max_recipient_overshoot, 1000);
    assert_eq!(receive.max_session_duration, Duration::from_secs(3600));
    assert_eq!(receive.max_junk_commands, 100);
    assert_eq!(
        (
            receive.sessions.max_sessions,
            receive.sessions.max_sessions_per_client
        ),
        (1000, 20)
    );
    assert_eq!(
        (receive.auth.lockout_after, receive.auth.lockout_window),
        (10, Duration::from_secs(15 * 60))
    );
    assert!(!receive.hostname.is_empty());
    assert_eq!(config.node.node_name, receive.hostname);
    assert_eq!(config.node.org, "default");
    assert_eq!(config.admin.listen, "127.0.0.1:8025".parse().unwrap());
    assert!(config.admin.token_digests.is_empty());
    assert_eq!(config.store_path, PathBuf::from("./mailflow-data"));
    let deliver = &config.node.deliver;
    assert_eq!(
        (deliver.mx_port, deliver.connect_timeout),
        (25, Duration::from_secs(30))
    );
    assert_eq!(deliver.command_timeout, Duration::from_secs(300));
    assert!(deliver.nameservers.is_empty());
    let queue = &config.node.queue;
    let minutes: Vec<u64> = queue.retry.iter().map(|d| d.as_secs() / 60).collect();
    assert_eq!(minutes, [1, 5, 15, 30, 60]);
    assert_eq!(queue.expiration, Duration::from_secs(24 * 3600));
    assert_eq!(queue.delay_notice, Some(Duration::from_secs(4 * 3600)));
    assert_eq!(config.org, OrgSettings::default());
}

#[test]
fn the_example_config_parses() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mailflow.toml");
    let config = Config::load(&example).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(config.node.receive.hostname, "relay.example.test");
    assert_eq!(config.org.connectors[0].name, "to-onprem");
    assert!(config.org.directory.contains("alice@contoso.test"));
    assert!(config.org.directory.contains("bob@contoso.test"));
    assert_eq!(
        config.node.queue.delay_notice,
        Some(Duration::from_secs(4 * 3600))
    );
    assert!(
        config.node.deliver.nameservers.is_empty(),
        "the system resolver"
    );
}

#[test]
fn delay_notices_can_be_turned_off() {
    let config = parse("[queue]\ndelay_notice = \"off\"\n").unwrap();
    assert_eq!(config.node.queue.delay_notice, None);
}

#[test]
fn a_tls_certificate_without_its_key_is_named() {
    assert_error(
        "[server]\ntls_cert_file = \"cert.pem\"\n",
        2,
        "server.tls_cert_file",
        "without server.tls_key_file",
    );
    assert_error(
        "[server]\ntls_cert_file = \"no-such-cert.pem\"\ntls_key_file = \"no-such-key.pem\"\n",
        2,
        "server.tls_cert_file",
        "cannot read",
    );
}

#[test]
fn tls_files_are_read_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let cert = mailflow_testkit::certs::TestCa::new().issue(&["mx.mailflow.test"]);
    std::fs::write(dir.path().join("cert.pem"), cert.cert_pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.key_pem()).unwrap();
    let text = "[server]\ntls_cert_file = \"cert.pem\"\ntls_key_file = \"key.pem\"\n";
    let config = Config::parse(text, &dir.path().join("mailflow.toml"), dir.path()).unwrap();
    assert!(config.node.receive.tls.is_some());
    let swapped = "[server]\ntls_cert_file = \"key.pem\"\ntls_key_file = \"key.pem\"\n";
    let error = Config::parse(swapped, &dir.path().join("mailflow.toml"), dir.path())
        .expect_err("a key is not a certificate");
    assert!(
        error.to_string().contains("server.tls_cert_file"),
        "{error}"
    );
}

/// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
const ABC_HASH: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

#[test]
fn token_hashes_are_taken_as_digests() {
    let config = parse(&format!("[admin]\ntoken_hashes = [\"{ABC_HASH}\"]\n")).unwrap();
    assert_eq!(config.admin.token_digests, [TokenDigest::of("abc")]);
    assert_eq!(config.admin.plain_tokens, 0);
}

#[test]
fn plain_tokens_are_hashed_at_load_and_not_kept() {
    let token = "lab-secret-7f3a9c";
    let text = format!("[admin]\ntokens = [\"{token}\"]\ntoken_hashes = [\"{ABC_HASH}\"]\n");
    let config = parse(&text).unwrap();
    assert_eq!(
        config.admin.token_digests,
        [TokenDigest::of("abc"), TokenDigest::of(token)]
    );
    assert_eq!(config.admin.plain_tokens, 1);
    let everything = format!("{config:?}");
    assert!(!everything.contains(token), "{everything}");
}

#[test]
fn a_bad_token_hash_is_named_without_repeating_it() {
    let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let text = format!(
        "[admin]\nlisten = \"127.0.0.1:8025\"\ntoken_hashes = [\n  \"{ABC_HASH}\",\n  \"{secret}\",\n]\n"
    );
    assert_error(
        &text,
        5,
        "admin.token_hashes[1]",
        "is not a token hash: it must start with \"sha256:\"",
    );
    assert!(!parse(&text).unwrap_err().to_string().contains(secret));
    assert_error(
        "[admin]\ntoken_hashes = [\"sha256:abc\"]\n",
        2,
        "admin.token_hashes[0]",
        "64 hexadecimal digits, not 3",
    );
}

#[test]
fn an_admin_api_off_loopback_is_a_warning_and_on_loopback_is_not() {
    let config = parse("[admin]\nlisten = \"0.0.0.0:8025\"\n").unwrap();
    let warning = config
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("not a loopback address"))
        .expect("a warning about the admin API's address");
    assert!(
        warning.starts_with("mailflow.toml:2: admin.listen: "),
        "{warning}"
    );

    let config = parse("[admin]\nlisten = \"127.0.0.1:8025\"\n").unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn metrics_networks_are_read_and_a_bad_one_is_refused_at_its_key() {
    let config = parse("[admin]\nmetrics_networks = [\"127.0.0.1/32\", \"::1\"]\n").unwrap();
    let expected: Vec<ipnet::IpNet> =
        vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
    assert_eq!(config.admin.metrics_networks, expected);
    assert!(parse("").unwrap().admin.metrics_networks.is_empty());
    assert_error(
        "[admin]\nlisten = \"127.0.0.1:8025\"\nmetrics_networks = [\n  \"127.0.0.1/32\",\n  \"10.1.0.0/33\",\n]\n",
        5,
        "admin.metrics_networks[1]",
        "not a network",
    );
}

#[test]
fn metrics_networks_a_loopback_api_cannot_be_reached_from_are_a_warning() {
    let config = parse("[admin]\nmetrics_networks = [\"10.1.0.0/16\"]\n").unwrap();
    let warning = config
        .warnings
        .iter()
        .map(ToString::to_string)
        .find(|w| w.contains("no scraper there can reach"))
        .expect("a warning about the metrics networks");
    assert!(
        warning.starts_with("mailflow.toml:2: admin.metrics_networks: "),
        "{warning}"
    );
    let config = parse("[admin]\nmetrics_networks = [\"127.0.0.0/8\"]\n").unwrap();
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn the_delivery_memory_budget_is_configurable_and_refuses_zero_at_its_key() {
    assert_error(
        "[delivery]\nmax_delivery_memory = \"0MB\"\n",
        2,
        "delivery.max_delivery_memory",
        "is zero",
    );
    let config = parse("[delivery]\nmax_delivery_memory = \"16MB\"\n").unwrap();
    assert_eq!(config.node.deliver.max_delivery_memory, 16 * 1024 * 1024);
    let config = parse("").unwrap();
    assert_eq!(
        config.node.deliver.max_delivery_memory,
        mailflow_deliver::DEFAULT_MAX_DELIVERY_MEMORY
    );
}

#[test]
fn the_node_is_named_by_its_config_or_else_after_its_host_name() {
    let named = parse("[node]\nname = \"relay-2\"\n\n[server]\nhostname = \"relay.test\"\n");
    assert_eq!(named.unwrap().node.node_name, "relay-2");
    let unnamed = parse("[server]\nhostname = \"relay.test\"\n").unwrap();
    assert_eq!(unnamed.node.node_name, "relay.test");
}

#[test]
fn a_node_name_that_is_empty_unprintable_or_too_long_names_its_key() {
    assert_error("[node]\nname = \"\"\n", 2, "node.name", "is empty");
    assert_error(
        "# the cluster\n[node]\nname = \"relay\\u0007\"\n",
        3,
        "node.name",
        "control character",
    );
    let long = "n".repeat(65);
    assert_error(
        &format!("[node]\nname = \"{long}\"\n"),
        2,
        "node.name",
        "65 characters long, more than 64",
    );
}

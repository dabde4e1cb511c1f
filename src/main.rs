//! The `switchboard` binary: parses the command line, loads configuration and
//! hands over to the library. `anyhow` lives here, at the edge, only.

use clap::Parser;
use switchboard::cli::{Cli, Command};
use switchboard::config::Config;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi { markdown } = cli.command {
        // Needs no configuration: usable on a machine with nothing set up.
        return print_openapi(markdown);
    }
    let config = Config::from_env()?;
    switchboard::telemetry::init(config.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => switchboard::app::serve(config).await,
        Command::Migrate => {
            let state = switchboard::app::AppState::build(config).await?;
            println!("database schema is up to date ({})", state.db.backend());
            Ok(())
        }
        Command::Openapi { markdown } => print_openapi(markdown),
        Command::Transcribe(args) => switchboard::speech::cli::transcribe(&config, args).await,
        Command::Say(args) => switchboard::speech::cli::say(&config, args).await,
        Command::Models(command) => switchboard::speech::cli::models(&config, command).await,
        Command::SeedDemo { json } => {
            let state = switchboard::app::AppState::build(config).await?;
            let demo = switchboard::store::seed::seed_demo(&state.db).await?;
            if json {
                println!("{}", serde_json::to_string(&demo)?);
            } else {
                println!("Demo tenant {} ({})", demo.business_name, demo.business_id);
                println!("  phone number  {}", demo.phone_number);
                println!("  X-Api-Key     {}", demo.api_key);
                println!("  X-Owner-Token {}", demo.owner_token);
                println!("  widget token  {}", demo.widget_token);
            }
            Ok(())
        }
        Command::Harness(args) => {
            let command_line = std::env::args().collect::<Vec<_>>().join(" ");
            if !switchboard::harness::cli::run(*args, command_line).await? {
                std::process::exit(2); // p95 budget exceeded
            }
            Ok(())
        }
    }
}

fn print_openapi(markdown: bool) -> anyhow::Result<()> {
    use utoipa::OpenApi;
    if markdown {
        print!("{}", switchboard::http::reference::markdown());
    } else {
        println!("{}", switchboard::http::docs::ApiDoc::openapi().to_pretty_json()?);
    }
    Ok(())
}

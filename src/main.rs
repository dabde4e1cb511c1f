use clap::Parser;
use switchboard::cli::{Cli, Command};
use switchboard::config::Config;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    switchboard::telemetry::init(config.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve => todo_later("serve"),
            Command::Migrate => todo_later("migrate"),
            Command::SeedDemo { .. } => todo_later("seed-demo"),
            Command::Transcribe(args) => switchboard::speech::cli::transcribe(&config, args).await,
            Command::Say(args) => switchboard::speech::cli::say(&config, args).await,
            Command::Models(command) => switchboard::speech::cli::models(&config, command).await,
        }
    })
}

fn todo_later(what: &str) -> anyhow::Result<()> {
    anyhow::bail!("{what} is not wired yet")
}

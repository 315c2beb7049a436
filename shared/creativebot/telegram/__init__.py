"""Everything that speaks aiogram: bot, dispatcher, routers, keyboards, FSM storage (worker side only)."""

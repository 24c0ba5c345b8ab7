"""Online store themes (``read_themes``): the main theme's ``config/settings_data.json``."""

MAIN_THEME_SETTINGS_DATA = """
query ThemeMainSettingsData {
  themes(first: 1, roles: [MAIN]) {
    nodes {
      id
      name
      files(filenames: ["config/settings_data.json"], first: 1) {
        nodes {
          filename
          body {
            ... on OnlineStoreThemeFileBodyText {
              content
            }
          }
        }
      }
    }
  }
}
"""

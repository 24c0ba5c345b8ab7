import { AppProvider } from '@shopify/polaris';
import en from '@shopify/polaris/locales/en.json';
import { Home } from './pages/Home';

export function App() {
  return (
    <AppProvider i18n={en}>
      <Home />
    </AppProvider>
  );
}

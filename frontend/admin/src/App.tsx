import { NavMenu } from '@shopify/app-bridge-react';
import { AppProvider } from '@shopify/polaris';
import en from '@shopify/polaris/locales/en.json';
import { FirstRun } from './components/FirstRun';
import { Branding } from './pages/Branding';
import { CustomerProfile } from './pages/CustomerProfile';
import { Customers } from './pages/Customers';
import { Home } from './pages/Home';
import { Import } from './pages/Import';
import { Onboarding } from './pages/Onboarding';
import { Plans } from './pages/Plans';
import { Program } from './pages/Program';
import { Referrals } from './pages/Referrals';
import { RulesRewards } from './pages/RulesRewards';
import { VipClub } from './pages/VipClub';
import { route, usePath } from './router';

export function App() {
  const current = route(usePath());
  return (
    <AppProvider i18n={en}>
      <NavMenu>
        <a href="/" rel="home">
          Loyalty
        </a>
        <a href="/onboarding">Set up</a>
        <a href="/program">Program</a>
        <a href="/branding">Branding</a>
        <a href="/rules-rewards">Rules &amp; rewards</a>
        <a href="/vip">VIP club</a>
        <a href="/customers">Customers</a>
        <a href="/referrals">Referrals</a>
        <a href="/import">Import</a>
        <a href="/plans">Plans</a>
      </NavMenu>
      {current.page === 'home' && (
        <FirstRun>
          <Home />
        </FirstRun>
      )}
      {current.page === 'onboarding' && <Onboarding />}
      {current.page === 'import' && <Import />}
      {current.page === 'plans' && <Plans />}
      {current.page === 'program' && <Program />}
      {current.page === 'branding' && <Branding />}
      {current.page === 'catalog' && <RulesRewards />}
      {current.page === 'customers' && <Customers />}
      {current.page === 'vip' && <VipClub />}
      {current.page === 'referrals' && <Referrals />}
      {current.page === 'customer' && <CustomerProfile id={current.id} />}
      {current.page === 'not_found' && <Home />}
    </AppProvider>
  );
}

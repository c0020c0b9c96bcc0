import PipelinesPage from './pipelines/page';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Pipelines' };

export default PipelinesPage;
